package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ListOffsets as a consumer sees it on the wire, with the partition's log put into the states a
 * replicated leader goes through (high watermark behind the log end, a new leader epoch not yet
 * committed) through the log's own API. Kafka's rules: an answer is never below the log start
 * offset and never at or above the high watermark; a leader whose high watermark lags the start of
 * its epoch says {@code OFFSET_NOT_AVAILABLE} for latest; a found record comes with its own batch's
 * leader epoch.
 */
class ListOffsetsTest {
    private static final long T0 = System.currentTimeMillis() - 3_600_000;
    private static final short VERSION = 9;

    @TempDir
    Path dataDir;

    @Test
    void maxTimestampIsNeverBelowTheLogStartOffset() throws Exception {
        try (Broker broker = TestBroker.start(dataDir)) {
            TopicPartition tp = new TopicPartition("deleted", 0);
            PartitionLog log = createTopic(broker, tp);
            // offsets 0..4: offset 1 holds the largest timestamp of the whole log
            log.append(batch(T0 + 10, T0 + 900, T0 + 30, T0 + 40, T0 + 50), 0, true);
            // offsets 5..9: offset 7 holds the largest timestamp from offset 3 on
            log.append(batch(T0 + 60, T0 + 70, T0 + 500, T0 + 80, T0 + 90), 0, true);
            try (RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
                assertAnswer(client, tp, ListOffsetsRequest.MAX_TIMESTAMP, 1, T0 + 900);
                log.deleteRecordsBefore(3);
                assertEquals(1, log.segmentCount(), "offsets 0..2 are still in the segment file");
                assertAnswer(client, tp, ListOffsetsRequest.MAX_TIMESTAMP, 7, T0 + 500);
                log.deleteRecordsBefore(8);
                assertAnswer(client, tp, ListOffsetsRequest.MAX_TIMESTAMP, 9, T0 + 90);
            }
        }
    }

    @Test
    void maxTimestampIsNeverAtOrAboveTheHighWatermark() throws Exception {
        try (Broker broker = TestBroker.start(dataDir)) {
            TopicPartition tp = new TopicPartition("uncommitted", 0);
            PartitionLog log = createTopic(broker, tp);
            log.append(batch(T0 + 10, T0 + 20, T0 + 30), 0, true);
            // As on a replicated leader: appends no longer move the high watermark.
            log.setHighWatermarkFollowsLogEnd(false);
            log.append(batch(T0 + 40, T0 + 700, T0 + 50), 0, true);
            assertEquals(3, log.highWatermark());
            try (RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
                // The largest timestamp is at offset 4, which consumers cannot read yet: no offset, as Kafka.
                assertAnswer(client, tp, ListOffsetsRequest.MAX_TIMESTAMP, -1, -1);
                assertAnswer(client, tp, ListOffsetsRequest.LATEST_TIMESTAMP, 3, -1);
                assertAnswer(client, tp, T0 + 35, -1, -1);
                log.updateHighWatermark(6);
                assertAnswer(client, tp, ListOffsetsRequest.MAX_TIMESTAMP, 4, T0 + 700);
                assertAnswer(client, tp, T0 + 35, 3, T0 + 40);
            }
        }
    }

    @Test
    void aLeaderWhoseHighWatermarkLagsItsEpochStartAnswersOffsetNotAvailable() throws Exception {
        try (Broker broker = TestBroker.start(dataDir)) {
            TopicPartition tp = new TopicPartition("elected", 0);
            PartitionLog log = createTopic(broker, tp);
            log.setHighWatermarkFollowsLogEnd(false);
            log.append(batch(T0 + 10, T0 + 20), 2, true);   // offsets 0..1, leader epoch 2
            log.updateHighWatermark(2);
            log.append(batch(T0 + 30, T0 + 40), 2, true);   // offsets 2..3, not committed yet
            // A new leader takes over in epoch 5 at its log end, offset 4; what its predecessor
            // committed is not known to be below 2 any more.
            log.assignEpochStartOffset(5);
            try (RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
                assertEquals(Errors.OFFSET_NOT_AVAILABLE, error(client, tp, ListOffsetsRequest.LATEST_TIMESTAMP, VERSION));
                assertEquals(Errors.LEADER_NOT_AVAILABLE, error(client, tp, ListOffsetsRequest.LATEST_TIMESTAMP, (short) 4),
                        "before v5 Kafka answers LEADER_NOT_AVAILABLE");
                assertEquals(Errors.OFFSET_NOT_AVAILABLE, error(client, tp, T0 + 35, VERSION),
                        "nothing at or after the time below the high watermark");
                assertEquals(Errors.OFFSET_NOT_AVAILABLE, error(client, tp, ListOffsetsRequest.MAX_TIMESTAMP, VERSION));
                ListOffsetsPartitionResponse below = list(client, tp, T0 + 15, VERSION);
                assertEquals(Errors.NONE.code(), below.errorCode(), "a record below the high watermark is an answer");
                assertEquals(1, below.offset());
                assertEquals(2, below.leaderEpoch(), "the epoch of the batch holding the record found");
                ListOffsetsPartitionResponse earliest = list(client, tp, ListOffsetsRequest.EARLIEST_TIMESTAMP, VERSION);
                assertEquals(Errors.NONE.code(), earliest.errorCode());
                assertEquals(0, earliest.offset());
                assertEquals(2, earliest.leaderEpoch(), "the first epoch of the log, which covers its start");

                log.append(batch(T0 + 50), 5, true);            // offset 4, the new leader's first record
                log.updateHighWatermark(5);
                ListOffsetsPartitionResponse latest = list(client, tp, ListOffsetsRequest.LATEST_TIMESTAMP, VERSION);
                assertEquals(Errors.NONE.code(), latest.errorCode());
                assertEquals(5, latest.offset());
                ListOffsetsPartitionResponse old = list(client, tp, T0 + 35, VERSION);
                assertEquals(3, old.offset());
                assertEquals(2, old.leaderEpoch(), "written in epoch 2, though the leader is now in epoch 5");
                ListOffsetsPartitionResponse max = list(client, tp, ListOffsetsRequest.MAX_TIMESTAMP, VERSION);
                assertEquals(4, max.offset());
                assertEquals(5, max.leaderEpoch());
            }
        }
    }

    private static PartitionLog createTopic(Broker broker, TopicPartition tp) {
        broker.topics().create(tp.topic(), 1, (short) 1, Map.of(), 1);
        return broker.topics().log(tp);
    }

    private static MemoryRecords batch(long... timestamps) {
        SimpleRecord[] records = new SimpleRecord[timestamps.length];
        for (int i = 0; i < timestamps.length; i++) {
            records[i] = new SimpleRecord(timestamps[i], ("k" + i).getBytes(StandardCharsets.UTF_8),
                    ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    private static void assertAnswer(RawKafkaClient client, TopicPartition tp, long spec, long offset, long timestamp)
            throws IOException {
        ListOffsetsPartitionResponse r = list(client, tp, spec, VERSION);
        assertEquals(Errors.NONE.code(), r.errorCode(), "error code for " + spec);
        assertEquals(offset, r.offset(), "offset for " + spec);
        assertEquals(timestamp, r.timestamp(), "timestamp for " + spec);
    }

    private static Errors error(RawKafkaClient client, TopicPartition tp, long spec, short version) throws IOException {
        ListOffsetsPartitionResponse r = list(client, tp, spec, version);
        if (r.errorCode() != Errors.NONE.code()) {
            assertEquals(-1, r.offset(), "no offset with an error");
        }
        return Errors.forCode(r.errorCode());
    }

    private static ListOffsetsPartitionResponse list(RawKafkaClient client, TopicPartition tp, long spec, short version)
            throws IOException {
        ListOffsetsRequestData request = new ListOffsetsRequestData().setReplicaId(ListOffsetsRequest.CONSUMER_REPLICA_ID)
                .setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName(tp.topic())
                        .setPartitions(List.of(new ListOffsetsRequestData.ListOffsetsPartition()
                                .setPartitionIndex(tp.partition()).setTimestamp(spec).setCurrentLeaderEpoch(-1)))));
        ListOffsetsResponse response = (ListOffsetsResponse) client.send(request, version);
        return response.data().topics().get(0).partitions().get(0);
    }
}
