package io.tributary.broker.http;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code POST /v3/clusters/{cluster_id}/topics/{topic_name}/records}: one record, as Kafka REST v3
 * takes it — {@code {"partition_id"?, "headers"?: [{"name", "value": base64}], "key"?: {"type", "data"},
 * "value"?: {"type", "data"}, "timestamp"?: ISO-8601}} with the types {@code JSON} (the default:
 * {@code data} written as JSON text), {@code STRING} (UTF-8) and {@code BINARY} (base64) — written
 * by a Produce request with {@code acks=all}, and answered with where it was stored:
 * {@code {"error_code": 200, "cluster_id", "topic_name", "partition_id", "offset", "timestamp",
 * "key": {"type", "size"}, "value": {…}}}. Without a {@code partition_id} a keyed record goes to the
 * partition the Java producer's default partitioner picks (murmur2 of the key), an unkeyed one round
 * robin. In a cluster any node takes the record: when another node leads the partition, the
 * request goes on to it ({@link KafkaCalls#callOn}). Thread-safe.
 */
final class RecordsResource {
    static final int PRODUCE_VERSION = 9;
    private static final int TIMEOUT_MS = 30_000;

    private final KafkaCalls calls;
    private final TopicsResource topics;
    private final AtomicInteger roundRobin = new AtomicInteger();

    RecordsResource(KafkaCalls calls, TopicsResource topics) {
        this.calls = calls;
        this.topics = topics;
    }

    void addTo(Router router) {
        router.post("/v3/clusters/{cluster_id}/topics/{topic_name}/records", this::produce);
    }

    /** A key or value: its type as v3 names it and its bytes (null when absent). */
    private record Data(String type, byte[] bytes) {
        Map<String, Object> summary() {
            if (bytes == null && type == null) return null;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", type);
            m.put("size", bytes == null ? 0 : bytes.length);
            return m;
        }
    }

    private HttpResponse produce(HttpRequest r) {
        Map<String, Object> body = r.jsonObject();
        MetadataResponseData.MetadataResponseTopic topic = topics.describe(r);
        Data key = data(body.get("key"), "key");
        Data value = data(body.get("value"), "value");
        List<Header> headers = headers(body.get("headers"));
        long timestamp = timestamp(body.get("timestamp"));
        int partitions = topic.partitions().size();
        int partition;
        if (body.get("partition_id") != null) {
            partition = (int) V3.number(body, "partition_id", -1);
            if (partition < 0 || partition >= partitions) {
                throw KafkaCalls.error(org.apache.kafka.common.protocol.Errors.UNKNOWN_TOPIC_OR_PARTITION,
                        "This server does not host this topic-partition.");
            }
        } else if (key.bytes() != null) {
            partition = Utils.toPositive(Utils.murmur2(key.bytes())) % partitions;
        } else {
            partition = Utils.toPositive(roundRobin.getAndIncrement()) % partitions;
        }
        SimpleRecord record = new SimpleRecord(timestamp, key.bytes(), value.bytes(), headers.toArray(new Header[0]));
        ProduceResponseData.PartitionProduceResponse result = first(calls.call(r, produceRequest(topic.name(), partition, record),
                PRODUCE_VERSION));
        if (result.errorCode() == Errors.NOT_LEADER_OR_FOLLOWER.code()) {
            // Another node leads the partition: the record goes there (this node has authorized the write).
            int leader = topics.describe(r).partitions().get(partition).leaderId();
            if (leader >= 0 && leader != calls.nodeId()) {
                result = first(calls.callOn(r, leader, produceRequest(topic.name(), partition, record), PRODUCE_VERSION));
            }
        }
        KafkaCalls.check(result.errorCode(), result.errorMessage());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("error_code", 200);
        d.put("cluster_id", r.param("cluster_id"));
        d.put("topic_name", topic.name());
        d.put("partition_id", partition);
        d.put("offset", result.baseOffset());
        d.put("timestamp", Instant.ofEpochMilli(result.logAppendTimeMs() >= 0 ? result.logAppendTimeMs() : timestamp).toString());
        d.put("key", key.summary());
        d.put("value", value.summary());
        return HttpResponse.ok(d);
    }

    private static ProduceRequestData produceRequest(String topic, int partition, SimpleRecord record) {
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(TIMEOUT_MS);
        ProduceRequestData.TopicProduceData data = new ProduceRequestData.TopicProduceData().setName(topic);
        data.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition)
                .setRecords(MemoryRecords.withRecords(Compression.NONE, record)));
        request.topicData().add(data);
        return request;
    }

    private static ProduceResponseData.PartitionProduceResponse first(ProduceResponseData response) {
        return response.responses().iterator().next().partitionResponses().get(0);
    }

    private static Data data(Object o, String field) {
        if (o == null) return new Data(null, null);
        if (!(o instanceof Map<?, ?> m)) throw RestException.badRequest("The field " + field + " must be an object {type, data}");
        Object type = m.get("type");
        String t = type == null ? "JSON" : type.toString();
        Object data = m.get("data");
        return switch (t) {
            case "JSON" -> new Data(t, data == null ? null : Json.write(data).getBytes(StandardCharsets.UTF_8));
            case "STRING" -> {
                if (data != null && !(data instanceof String)) throw RestException.badRequest(field + ".data must be a string for type STRING");
                yield new Data(t, data == null ? null : ((String) data).getBytes(StandardCharsets.UTF_8));
            }
            case "BINARY" -> {
                if (data != null && !(data instanceof String)) throw RestException.badRequest(field + ".data must be base64 text for type BINARY");
                try {
                    yield new Data(t, data == null ? null : Base64.getDecoder().decode((String) data));
                } catch (IllegalArgumentException e) {
                    throw RestException.badRequest(field + ".data is not valid base64: " + e.getMessage());
                }
            }
            default -> throw RestException.badRequest("Unsupported " + field + " type " + t
                    + " (this broker has no schema registry: JSON, STRING or BINARY)");
        };
    }

    private static List<Header> headers(Object o) {
        List<Header> headers = new ArrayList<>();
        if (o == null) return headers;
        if (!(o instanceof List<?> list)) throw RestException.badRequest("The field headers must be a list of {name, value}");
        for (Object h : list) {
            if (!(h instanceof Map<?, ?> m) || !(m.get("name") instanceof String name)) {
                throw RestException.badRequest("Each header must be {name, value} with a string name");
            }
            Object v = m.get("value");
            try {
                headers.add(new RecordHeader(name, v == null ? null : Base64.getDecoder().decode(v.toString())));
            } catch (IllegalArgumentException e) {
                throw RestException.badRequest("The value of header " + name + " is not valid base64");
            }
        }
        return headers;
    }

    private static long timestamp(Object o) {
        if (o == null) return System.currentTimeMillis();
        try {
            return Instant.parse(o.toString()).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw RestException.badRequest("The timestamp " + o + " is not an ISO-8601 instant (2024-01-31T12:00:00Z)");
        }
    }
}
