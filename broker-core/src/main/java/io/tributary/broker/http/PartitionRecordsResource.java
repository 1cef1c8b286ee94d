package io.tributary.broker.http;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reading a partition's records over HTTP (Tributary's addition in v3's style; the Confluent REST
 * Proxy's v3 has no consume path): {@code GET /v3/clusters/{c}/topics/{t}/partitions/{p}/records
 * ?offset=N&max_records=M}, from {@code offset} (default: the log start) at most {@code max_records}
 * (default {@value #DEFAULT_RECORDS}, at most {@value #MAX_RECORDS}) records below the high
 * watermark, by a Fetch request as a consumer with {@code read_uncommitted} sends it (so the READ
 * ACL on the topic applies; control records are left out). Each record is {@code {"partition_id",
 * "offset", "timestamp", "timestamp_type", "key", "value", "headers"}} with the key and value as
 * produce takes them: {@code {"type": "STRING", "data": text}} when the bytes are UTF-8,
 * {@code {"type": "BINARY", "data": base64}} otherwise, null when absent; header values are base64.
 * The list also carries {@code log_start_offset}, {@code high_watermark} and {@code next_offset}
 * (where to read on). Like a consumer, it reads from the partition's leader: on another node the
 * answer is Kafka's "not the leader" error. Stateless.
 */
final class PartitionRecordsResource {
    static final int FETCH_VERSION = 12;
    static final int DEFAULT_RECORDS = 50;
    static final int MAX_RECORDS = 500;
    /** The most bytes one read asks for (the first batch is returned whole even when larger). */
    static final int MAX_BYTES = 1024 * 1024;

    private final KafkaCalls calls;
    private final TopicsResource topics;

    PartitionRecordsResource(KafkaCalls calls, TopicsResource topics) {
        this.calls = calls;
        this.topics = topics;
    }

    void addTo(Router router) {
        router.get("/v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/records", this::read);
    }

    private HttpResponse read(HttpRequest r) {
        MetadataResponseData.MetadataResponseTopic topic = topics.describe(r);
        int partition = V3.intParam(r, "partition_id");
        if (partition < 0 || partition >= topic.partitions().size()) {
            throw KafkaCalls.error(Errors.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
        }
        long offset = queryLong(r, "offset", -1);
        long max = queryLong(r, "max_records", DEFAULT_RECORDS);
        if (max < 1 || max > MAX_RECORDS) {
            throw RestException.badRequest("max_records must be between 1 and " + MAX_RECORDS + ", not " + max);
        }
        FetchResponseData.PartitionData data = fetch(r, topic.name(), partition, Math.max(offset, 0));
        if (offset < 0 || data.errorCode() == Errors.OFFSET_OUT_OF_RANGE.code() && offset < data.logStartOffset()) {
            // no offset, or one already deleted: from the log start, as auto.offset.reset=earliest would
            offset = data.logStartOffset() < 0 ? 0 : data.logStartOffset();
            if (data.errorCode() != Errors.NONE.code() || offset > 0) data = fetch(r, topic.name(), partition, offset);
        }
        if (data.errorCode() == Errors.OFFSET_OUT_OF_RANGE.code()) {
            throw new RestException(404, RestException.KAFKA_UNKNOWN_TOPIC_PARTITION, "Offset " + offset + " of "
                    + topic.name() + "-" + partition + " is out of range: the partition holds offsets "
                    + data.logStartOffset() + " to " + (data.highWatermark() - 1));
        }
        KafkaCalls.check(data.errorCode(), null);
        List<Object> records = new ArrayList<>();
        long next = offset;
        BaseRecords base = data.records();
        if (base instanceof Records batches) {
            for (RecordBatch batch : batches.batches()) {
                if (records.size() >= max) break;
                if (batch.isControlBatch()) {
                    next = Math.max(next, batch.nextOffset());
                    continue;
                }
                for (Record record : batch) {
                    if (record.offset() < offset) continue;
                    if (records.size() >= max) break;
                    records.add(document(r, partition, batch, record));
                    next = record.offset() + 1;
                }
                if (records.size() < max) next = Math.max(next, batch.nextOffset());
            }
        }
        String cluster = r.param("cluster_id");
        Map<String, Object> list = V3.list("KafkaRecordList", V3.url(r, cluster, "topics", topic.name(), "partitions",
                partition, "records") + "?offset=" + offset + "&max_records=" + max, records);
        list.put("log_start_offset", data.logStartOffset());
        list.put("high_watermark", data.highWatermark());
        list.put("next_offset", Math.min(next, Math.max(offset, data.highWatermark())));
        return HttpResponse.ok(list);
    }

    private FetchResponseData.PartitionData fetch(HttpRequest r, String topic, int partition, long offset) {
        FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0)
                .setMaxBytes(MAX_BYTES).setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1);
        request.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(new ArrayList<>(List.of(
                new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(offset)
                        .setPartitionMaxBytes(MAX_BYTES).setLogStartOffset(-1).setCurrentLeaderEpoch(-1)))));
        FetchResponseData response = calls.call(r, request, FETCH_VERSION);
        KafkaCalls.check(response.errorCode(), null);
        FetchResponseData.PartitionData data = response.responses().get(0).partitions().get(0);
        if (data.errorCode() == Errors.NOT_LEADER_OR_FOLLOWER.code()) {
            // Another node leads the partition (this node has authorized the read): its leader answers.
            int leader = topics.describe(r).partitions().get(partition).leaderId();
            if (leader >= 0 && leader != calls.nodeId()) {
                response = calls.callOn(r, leader, request, FETCH_VERSION);
                KafkaCalls.check(response.errorCode(), null);
                data = response.responses().get(0).partitions().get(0);
            }
        }
        return data;
    }

    private static Map<String, Object> document(HttpRequest r, int partition, RecordBatch batch, Record record) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("kind", "KafkaRecord");
        d.put("partition_id", partition);
        d.put("offset", record.offset());
        d.put("timestamp", record.timestamp() < 0 ? null : Instant.ofEpochMilli(record.timestamp()).toString());
        d.put("timestamp_type", batch.timestampType().name);
        d.put("key", data(record.hasKey() ? record.key() : null));
        d.put("value", data(record.hasValue() ? record.value() : null));
        List<Object> headers = new ArrayList<>();
        for (Header h : record.headers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", h.key());
            m.put("value", h.value() == null ? null : Base64.getEncoder().encodeToString(h.value()));
            headers.add(m);
        }
        d.put("headers", headers);
        return d;
    }

    /** {@code {"type": "STRING", "data": text}} for UTF-8 bytes, else BINARY with base64; null for none. */
    private static Map<String, Object> data(ByteBuffer bytes) {
        if (bytes == null) return null;
        byte[] b = new byte[bytes.remaining()];
        bytes.duplicate().get(b);
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
            m.put("type", "STRING");
            m.put("data", text);
        } catch (CharacterCodingException notText) {
            m.put("type", "BINARY");
            m.put("data", Base64.getEncoder().encodeToString(b));
        }
        return m;
    }

    private static long queryLong(HttpRequest r, String name, long absent) {
        String v = r.query().get(name);
        if (v == null || v.isBlank()) return absent;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw RestException.badRequest("The query parameter " + name + " must be a whole number, not " + v);
        }
    }
}
