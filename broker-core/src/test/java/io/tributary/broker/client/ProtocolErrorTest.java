package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.log.ForgedBatches;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DescribeLogDirsResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ElectLeadersResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input over the wire gets the Kafka error code a client understands, and never costs anything
 * else: after every case the records already stored in a control topic are exactly as they were,
 * and a fresh connection is served normally. Requests are sent with {@link RawKafkaClient}, so the
 * broker sees exactly the bytes each test builds.
 */
class ProtocolErrorTest {
    private static final short PRODUCE_V = 9;     // topics by name, flexible
    private static final short FETCH_V = 12;      // topics by name
    private static final short METADATA_V = 12;
    private static final short CREATE_TOPICS_V = 7;
    private static final short INIT_PRODUCER_ID_V = 4;
    private static final short API_VERSIONS_V = 3;
    private static final int NUM_PARTITIONS = 2;

    private static final String CONTROL = "control";
    private static final List<String> CONTROL_VALUES = List.of("first", "second", "third");

    @TempDir
    static Path dataDir;

    private static Broker broker;

    @BeforeAll
    static void startBrokerAndStoreControlRecords() throws IOException {
        broker = TestBroker.start(dataDir, Map.of("num.partitions", Integer.toString(NUM_PARTITIONS)));
        broker.topics().create(CONTROL, 1, (short) 1, Map.of(), 1);
        try (RawKafkaClient client = connect()) {
            for (String v : CONTROL_VALUES) {
                assertEquals(Errors.NONE, produce(client, CONTROL, 0, batch(v)).error());
            }
        }
        assertControlTopicUnchanged();
    }

    @AfterAll
    static void stopBroker() throws IOException {
        if (broker != null) broker.close();
    }

    // ---- record batches -------------------------------------------------------------------

    @Test
    void batchLargerThanTheTopicsMaxMessageBytesIsRejectedWithMessageTooLarge() throws IOException {
        String topic = "small-messages";
        createTopic(topic, Map.of("max.message.bytes", "1024"));
        MemoryRecords big = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(new byte[700]), new SimpleRecord(new byte[700]));
        assertTrue(big.sizeInBytes() > 1024);
        try (RawKafkaClient client = connect()) {
            PartitionResult r = produce(client, topic, 0, big);
            assertEquals(Errors.MESSAGE_TOO_LARGE, r.error());
            assertTrue(r.message().contains("max.message.bytes"), r.message());
            assertEquals(0, logEndOffset(topic, 0));
            // the same connection goes on working, and a batch within the limit is accepted
            assertEquals(new PartitionResult(Errors.NONE, 0, null), produce(client, topic, 0, batch("small")));
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void batchWithACorruptCrcIsRejectedWithCorruptMessage() throws IOException {
        String topic = "crc";
        createTopic(topic, Map.of());
        MemoryRecords records = batch("payload-to-corrupt");
        ByteBuffer bytes = records.buffer();
        int last = bytes.limit() - 1; // inside the last record's value, covered by the CRC
        bytes.put(last, (byte) (bytes.get(last) ^ 0x5A));
        try (RawKafkaClient client = connect()) {
            PartitionResult r = produce(client, topic, 0, MemoryRecords.readableRecords(bytes));
            assertEquals(Errors.CORRUPT_MESSAGE, r.error());
            assertTrue(r.message().toLowerCase(Locale.ROOT).contains("crc"), r.message());
            assertEquals(0, logEndOffset(topic, 0));
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void batchTruncatedInsideAWellFormedRequestIsRejectedWithCorruptMessage() throws IOException {
        String topic = "truncated-batch";
        createTopic(topic, Map.of());
        ByteBuffer whole = batch("a value that will lose its tail").buffer();
        ByteBuffer cut = ByteBuffer.wrap(Arrays.copyOf(Utils.toArray(whole), whole.remaining() - 7));
        try (RawKafkaClient client = connect()) {
            PartitionResult r = produce(client, topic, 0, MemoryRecords.readableRecords(cut));
            assertEquals(Errors.CORRUPT_MESSAGE, r.error());
            assertTrue(r.message().contains("truncated"), r.message());
            assertEquals(0, logEndOffset(topic, 0));
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void produceFrameWhoseBodyIsCutShortIsAnsweredWithInvalidRequest() throws IOException {
        String topic = "cut-frame";
        createTopic(topic, Map.of());
        try (RawKafkaClient client = connect()) {
            RequestHeader header = client.header(ApiKeys.PRODUCE, PRODUCE_V);
            byte[] whole = RawKafkaClient.encode(header, produceRequest(topic, 0, batch("never stored")), PRODUCE_V);
            client.sendFrame(Arrays.copyOf(whole, whole.length - 20)); // the length prefix matches the bytes sent

            ProduceResponse response = (ProduceResponse) client.readResponse(header, PRODUCE_V);
            PartitionResult r = PartitionResult.of(response, topic, 0);
            assertEquals(Errors.INVALID_REQUEST, r.error());
            assertEquals(0, logEndOffset(topic, 0));
            // the connection stays usable
            assertEquals(new PartitionResult(Errors.NONE, 0, null), produce(client, topic, 0, batch("stored")));
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void frameCutShortWhereNoResponseCouldShowTheErrorClosesOnlyThatConnection() throws IOException {
        // Metadata reports errors per topic only, and no topic can be read from this body: an
        // empty answer would look like "no such topics", so the broker closes the connection.
        try (RawKafkaClient client = connect()) {
            RequestHeader header = client.header(ApiKeys.METADATA, METADATA_V);
            MetadataRequestData request = new MetadataRequestData().setAllowAutoTopicCreation(true);
            request.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("cut-metadata-topic"));
            byte[] whole = RawKafkaClient.encode(header, request, METADATA_V);
            client.sendFrame(Arrays.copyOf(whole, whole.length - 10));
            assertTrue(client.closedByBroker());
        }
        assertTrue(broker.topics().get("cut-metadata-topic").isEmpty());
        // a Produce cut before its first partition index has no partition to report the error on
        try (RawKafkaClient client = connect()) {
            RequestHeader header = client.header(ApiKeys.PRODUCE, PRODUCE_V);
            byte[] whole = RawKafkaClient.encode(header, produceRequest(CONTROL, 0, batch("never stored")), PRODUCE_V);
            int headerSize = MessageUtil.toByteBufferAccessor(header.data(), header.headerVersion()).buffer().remaining();
            // transactional id, acks, timeout and the topic count, then the body ends
            client.sendFrame(Arrays.copyOf(whole, headerSize + 1 + 2 + 4 + 1));
            assertTrue(client.closedByBroker());
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void requestWithAnUnknownApiKeyClosesOnlyThatConnection() throws IOException {
        try (RawKafkaClient client = connect()) {
            ByteBuffer frame = ByteBuffer.allocate(12);
            frame.putShort((short) 9999).putShort((short) 0).putInt(77).putShort((short) -1).putShort((short) 0);
            client.sendFrame(frame.array());
            assertTrue(client.closedByBroker());
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void compressedBatchWhosePayloadDoesNotDecompressIsRefusedWithCorruptMessage() throws IOException {
        String topic = "garbled";
        createTopic(topic, Map.of());
        try (RawKafkaClient client = connect()) {
            for (CompressionType type : List.of(CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4,
                    CompressionType.ZSTD)) {
                // the client recomputed the CRC after the damage, so only decompressing can tell
                MemoryRecords garbled = ForgedBatches.withGarbledPayload(
                        ForgedBatches.batch(type, System.currentTimeMillis(), "never stored", "nor this"));
                PartitionResult r = produce(client, topic, 0, garbled);
                assertEquals(Errors.CORRUPT_MESSAGE, r.error(), type.name);
                assertTrue(r.message().contains(type.name), r.message());
                assertEquals(0, logEndOffset(topic, 0));
            }
            assertEquals(new PartitionResult(Errors.NONE, 0, null), produce(client, topic, 0, batch("readable")));
            assertEquals(List.of("readable"), readValues(client, topic, 0));
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void snappyBatchWithANegativeChunkLengthIsAnsweredWithCorruptMessageOnEveryKindOfTopic() throws IOException {
        // snappy-java throws SnappyError, an Error, when it meets a negative chunk length
        Map<String, Map<String, String>> topics = Map.of(
                "snappy-as-sent", Map.of(),
                "snappy-recompressed", Map.of("compression.type", "gzip"),
                "snappy-compacted", Map.of("cleanup.policy", "compact"));
        try (RawKafkaClient client = connect()) {
            for (Map.Entry<String, Map<String, String>> t : topics.entrySet()) {
                createTopic(t.getKey(), t.getValue());
                PartitionResult r = produce(client, t.getKey(), 0,
                        ForgedBatches.snappyWithNegativeChunkLength(System.currentTimeMillis()));
                assertEquals(Errors.CORRUPT_MESSAGE, r.error(), t.getKey());
                assertEquals(0, logEndOffset(t.getKey(), 0), t.getKey());
                // the same connection is answered for the next request
                assertEquals(Errors.NONE, produce(client, t.getKey(), 0, batch("after")).error(), t.getKey());
            }
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void forgedRecordCountInACompressedBatchIsRefusedAndOffsetsStayContiguous() throws IOException {
        String topic = "forged-count";
        createTopic(topic, Map.of());
        MemoryRecords one = ForgedBatches.batch(CompressionType.GZIP, System.currentTimeMillis(), "one record");
        try (RawKafkaClient client = connect()) {
            PartitionResult r = produce(client, topic, 0, ForgedBatches.withCountAndLastOffsetDelta(one, 1000, 999));
            assertEquals(Errors.INVALID_RECORD, r.error());
            assertEquals(0, logEndOffset(topic, 0));
            assertEquals(new PartitionResult(Errors.NONE, 0, null), produce(client, topic, 0, batch("next")));
            assertEquals(1, logEndOffset(topic, 0));
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void batchWithAProducerIdAndANegativeBaseSequenceIsRefusedWithInvalidRecord() throws IOException {
        String topic = "no-sequence";
        createTopic(topic, Map.of());
        try (RawKafkaClient client = connect()) {
            MemoryRecords records = ForgedBatches.withBaseSequence(
                    idempotentBatch(initProducerId(client, -1, (short) -1).producerId(), (short) 0, 0, "x"), -1);
            assertEquals(Errors.INVALID_RECORD, produce(client, topic, 0, records).error());
            assertEquals(0, logEndOffset(topic, 0));
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void compressionBombIsAnsweredWithoutBeingExpanded() throws IOException {
        createTopic("bomb-recompressed", Map.of("compression.type", "gzip"));
        createTopic("bomb-uncompressed", Map.of("compression.type", "uncompressed"));
        long now = System.currentTimeMillis();
        try (RawKafkaClient client = connect()) {
            // about 8 KiB of zstd holding one record of 256 MiB: refused from its length prefix
            MemoryRecords oneHugeRecord = ForgedBatches.compressedZeros(CompressionType.ZSTD, 1, 256 << 20, now);
            assertTrue(oneHugeRecord.sizeInBytes() < 64 * 1024);
            PartitionResult r = produce(client, "bomb-recompressed", 0, oneHugeRecord);
            assertEquals(Errors.INVALID_RECORD, r.error());
            assertTrue(r.message().contains("max.decompressed.message.bytes"), r.message());

            // 32 records of 8 MiB, each within the per-record limit: the rebuild as uncompressed stops at
            // max.message.bytes
            MemoryRecords manyRecords = ForgedBatches.compressedZeros(CompressionType.ZSTD, 32, (8 << 20) - 100, now);
            r = produce(client, "bomb-uncompressed", 0, manyRecords);
            assertEquals(Errors.MESSAGE_TOO_LARGE, r.error());
            assertTrue(r.message().contains("max.message.bytes"), r.message());

            assertEquals(0, logEndOffset("bomb-recompressed", 0));
            assertEquals(0, logEndOffset("bomb-uncompressed", 0));
            assertEquals(Errors.NONE, produce(client, "bomb-recompressed", 0, batch("fine")).error());
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void zstdBatchesNeedProduceV7AsInKafka() throws IOException {
        String topic = "zstd-produce";
        createTopic(topic, Map.of());
        try (RawKafkaClient client = connect()) {
            for (short v = 3; v <= 6; v++) {
                long before = logEndOffset(topic, 0);
                MemoryRecords zstd = ForgedBatches.batch(CompressionType.ZSTD, System.currentTimeMillis(), "v" + v);
                PartitionResult r = produce(client, topic, 0, zstd, v);
                assertEquals(Errors.UNSUPPORTED_COMPRESSION_TYPE, r.error(), "v" + v);
                assertEquals(before, logEndOffset(topic, 0));
                // other codecs are fine at these versions
                MemoryRecords lz4 = ForgedBatches.batch(CompressionType.LZ4, System.currentTimeMillis(), "lz4");
                assertEquals(new PartitionResult(Errors.NONE, before, null), produce(client, topic, 0, lz4, v), "v" + v);
            }
            long end = logEndOffset(topic, 0);
            MemoryRecords zstd = ForgedBatches.batch(CompressionType.ZSTD, System.currentTimeMillis(), "v7");
            assertEquals(new PartitionResult(Errors.NONE, end, null), produce(client, topic, 0, zstd, (short) 7));
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void fetchBelowV10FromATopicWhoseCompressionTypeIsZstdIsRefusedAsInKafka() throws IOException {
        createTopic("zstd-topic", Map.of("compression.type", "zstd"));
        createTopic("zstd-batches", Map.of()); // compression.type=producer, holding zstd batches
        try (RawKafkaClient client = connect()) {
            assertEquals(Errors.NONE, produce(client, "zstd-topic", 0, batch("stored as zstd")).error());
            assertEquals(Errors.NONE, produce(client, "zstd-batches", 0,
                    ForgedBatches.batch(CompressionType.ZSTD, System.currentTimeMillis(), "sent as zstd")).error());
            for (short v = 4; v <= 9; v++) {
                FetchResponseData.PartitionData refused = fetchPartition(client, "zstd-topic", v);
                assertEquals(Errors.UNSUPPORTED_COMPRESSION_TYPE, Errors.forCode(refused.errorCode()), "v" + v);
                assertEquals(0, ((MemoryRecords) refused.records()).sizeInBytes());
                // Kafka decides on the topic's compression.type, not on the codec of the stored batches
                FetchResponseData.PartitionData served = fetchPartition(client, "zstd-batches", v);
                assertEquals(Errors.NONE, Errors.forCode(served.errorCode()), "v" + v);
                assertTrue(((MemoryRecords) served.records()).sizeInBytes() > 0);
            }
            for (short v = 10; v <= FETCH_V; v++) {
                FetchResponseData.PartitionData served = fetchPartition(client, "zstd-topic", v);
                assertEquals(Errors.NONE, Errors.forCode(served.errorCode()), "v" + v);
                assertTrue(((MemoryRecords) served.records()).sizeInBytes() > 0);
            }
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    private static FetchResponseData.PartitionData fetchPartition(RawKafkaClient client, String topic, short version)
            throws IOException {
        FetchResponse response = (FetchResponse) client.send(fetchRequest(topic, 0), version);
        assertEquals(Errors.NONE, response.error());
        return response.data().responses().get(0).partitions().get(0);
    }

    // ---- unknown topics and partitions -----------------------------------------------------

    @Test
    void clientsCannotAppendToOrDeleteTheInternalOffsetsTopic() throws IOException {
        broker.groups().offsets().commit("guard-group", Map.of(new org.apache.kafka.common.TopicPartition("control", 0),
                new io.tributary.broker.group.CommittedOffset(1, -1, "", System.currentTimeMillis())));
        try (RawKafkaClient client = connect()) {
            assertEquals(Errors.INVALID_TOPIC_EXCEPTION, produce(client, "__consumer_offsets", 0, batch("x")).error());
        }
        assertThrows(org.apache.kafka.common.errors.InvalidTopicException.class,
                () -> broker.topics().delete("__consumer_offsets", true));
        assertEquals(1, broker.groups().committed("guard-group").size());
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void produceToAnUnknownTopicIsRejectedAndDoesNotCreateIt() throws IOException {
        try (RawKafkaClient client = connect()) {
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, produce(client, "no-such-topic", 0, batch("x")).error());
        }
        assertTrue(broker.topics().get("no-such-topic").isEmpty());
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void produceToAPartitionThatDoesNotExistIsRejected() throws IOException {
        try (RawKafkaClient client = connect()) {
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, produce(client, CONTROL, 1, batch("x")).error());
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, produce(client, CONTROL, -1, batch("x")).error());
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    // ---- topic creation --------------------------------------------------------------------

    @Test
    void createTopicsWithAnIllegalNameIsRejectedNamingTheRule() throws IOException {
        String tooLong = "t".repeat(250);
        Map<String, String> ruleByName = Map.of(
                "bad/name", "contains '/'",
                "..", "cannot be \".\" or \"..\"",
                tooLong, "250 characters long; the limit is 249");
        try (RawKafkaClient client = connect()) {
            for (Map.Entry<String, String> e : ruleByName.entrySet()) {
                CreatableTopicResult r = createTopic(client, new CreatableTopic().setName(e.getKey())
                        .setNumPartitions(1).setReplicationFactor((short) 1));
                assertEquals(Errors.INVALID_TOPIC_EXCEPTION, Errors.forCode(r.errorCode()), e.getKey());
                assertNotNull(r.errorMessage(), e.getKey());
                assertTrue(r.errorMessage().contains(e.getValue()), r.errorMessage());
                assertTrue(broker.topics().get(e.getKey()).isEmpty());
            }
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void metadataForAnIllegalNameIsRejectedAndCreatesNothing() throws IOException {
        try (RawKafkaClient client = connect()) {
            MetadataResponseTopic t = metadata(client, "bad/name", true);
            assertEquals(Errors.INVALID_TOPIC_EXCEPTION, Errors.forCode(t.errorCode()));
            assertTrue(t.partitions().isEmpty());
        }
        assertTrue(broker.topics().get("bad/name").isEmpty());
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void topicNamesOfEveryLegalLengthCanBeCreatedAndUsed() throws IOException {
        try (RawKafkaClient client = connect()) {
            for (int length : new int[] {240, 241, 245, 249}) {
                String name = ("long-" + length + "-").concat("t".repeat(length)).substring(0, length);
                CreatableTopicResult r = createTopic(client, new CreatableTopic().setName(name)
                        .setNumPartitions(2).setReplicationFactor((short) 1));
                assertEquals(Errors.NONE, Errors.forCode(r.errorCode()), length + ": " + r.errorMessage());
                assertEquals(new PartitionResult(Errors.NONE, 0, null), produce(client, name, 1, batch("v" + length)));
                assertEquals(List.of("v" + length), readValues(client, name, 1));
                MetadataResponseTopic t = metadata(client, name, false);
                assertEquals(Errors.NONE, Errors.forCode(t.errorCode()));
                assertEquals(2, t.partitions().size());
            }
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void topicNameCollidingOnDotVersusUnderscoreIsRejected() throws IOException {
        createTopic("orders.eu", Map.of());
        try (RawKafkaClient client = connect()) {
            CreatableTopicResult r = createTopic(client, new CreatableTopic().setName("orders_eu")
                    .setNumPartitions(1).setReplicationFactor((short) 1));
            assertEquals(Errors.INVALID_TOPIC_EXCEPTION, Errors.forCode(r.errorCode()));
            assertTrue(r.errorMessage().contains("orders.eu"), r.errorMessage());
        }
        assertTrue(broker.topics().get("orders_eu").isEmpty());
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void replicationFactorLargerThanTheClusterIsRejected() throws IOException {
        try (RawKafkaClient client = connect()) {
            CreatableTopicResult r = createTopic(client, new CreatableTopic().setName("three-replicas")
                    .setNumPartitions(1).setReplicationFactor((short) 3));
            assertEquals(Errors.INVALID_REPLICATION_FACTOR, Errors.forCode(r.errorCode()));
        }
        assertTrue(broker.topics().get("three-replicas").isEmpty());
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void creatingAnExistingTopicIsRejectedAndLeavesItsRecordsAlone() throws IOException {
        try (RawKafkaClient client = connect()) {
            CreatableTopicResult r = createTopic(client, new CreatableTopic().setName(CONTROL)
                    .setNumPartitions(4).setReplicationFactor((short) 1));
            assertEquals(Errors.TOPIC_ALREADY_EXISTS, Errors.forCode(r.errorCode()));
        }
        assertEquals(1, broker.topics().require(CONTROL).partitions());
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void invalidConfigValueIsRejectedWithInvalidConfig() throws IOException {
        try (RawKafkaClient client = connect()) {
            for (Map.Entry<String, String> bad : Map.of("retention.ms", "forever", "cleanup.policy", "sometimes",
                    "no.such.config", "1").entrySet()) {
                CreatableTopic t = new CreatableTopic().setName("bad-config").setNumPartitions(1)
                        .setReplicationFactor((short) 1);
                t.configs().add(new CreatableTopicConfig().setName(bad.getKey()).setValue(bad.getValue()));
                CreatableTopicResult r = createTopic(client, t);
                assertEquals(Errors.INVALID_CONFIG, Errors.forCode(r.errorCode()), bad.toString());
                assertTrue(r.errorMessage().contains(bad.getKey()), r.errorMessage());
            }
        }
        assertTrue(broker.topics().get("bad-config").isEmpty());
        assertBrokerServesAndControlTopicUnchanged();
    }

    // ---- auto.create.topics.enable ---------------------------------------------------------

    @Test
    void metadataForAnUnknownTopicCreatesItWithNumPartitions() throws IOException {
        try (RawKafkaClient client = connect()) {
            MetadataResponseTopic t = metadata(client, "auto-created", true);
            assertEquals(Errors.NONE, Errors.forCode(t.errorCode()));
            assertEquals(NUM_PARTITIONS, t.partitions().size());
            assertEquals(Errors.NONE, produce(client, "auto-created", NUM_PARTITIONS - 1, batch("x")).error());
        }
        assertEquals(NUM_PARTITIONS, broker.topics().require("auto-created").partitions());
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void metadataByTopicIdIsAnsweredAsKafkaAnswersIt() throws IOException {
        Uuid unknown = Uuid.randomUuid();
        Uuid control = broker.topics().require(CONTROL).topicId();
        try (RawKafkaClient client = connect()) {
            // v10 and v11 carry a topic id field but Kafka serves topic ids from v12 only: INVALID_REQUEST
            for (short v = 10; v <= 11; v++) {
                for (Uuid id : List.of(unknown, control)) {
                    MetadataResponse r = metadataById(client, id, v);
                    MetadataResponseTopic t = r.data().topics().iterator().next();
                    assertEquals(Errors.INVALID_REQUEST, Errors.forCode(t.errorCode()), "v" + v);
                    assertTrue(t.partitions().isEmpty());
                }
            }
            for (short v = 12; v <= ApiKeys.METADATA.latestVersion(); v++) {
                MetadataResponseTopic t = metadataById(client, unknown, v).data().topics().iterator().next();
                assertEquals(Errors.UNKNOWN_TOPIC_ID, Errors.forCode(t.errorCode()), "v" + v);
                assertEquals(unknown, t.topicId());
                assertNull(t.name());

                MetadataResponseTopic known = metadataById(client, control, v).data().topics().iterator().next();
                assertEquals(Errors.NONE, Errors.forCode(known.errorCode()), "v" + v);
                assertEquals(CONTROL, known.name());
                assertEquals(control, known.topicId());
                assertEquals(1, known.partitions().size());
            }
            // neither a name nor an id
            MetadataResponseTopic neither = metadataById(client, Uuid.ZERO_UUID, (short) 12).data().topics().iterator().next();
            assertEquals(Errors.INVALID_REQUEST, Errors.forCode(neither.errorCode()));
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    private static MetadataResponse metadataById(RawKafkaClient client, Uuid topicId, short version) throws IOException {
        MetadataRequestData request = new MetadataRequestData().setAllowAutoTopicCreation(true)
                .setIncludeTopicAuthorizedOperations(false);
        request.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(null).setTopicId(topicId));
        MetadataResponse response = (MetadataResponse) client.send(request, version);
        assertEquals(1, response.data().topics().size(), "v" + version + ": " + response.data());
        return response;
    }

    @Test
    void metadataThatDisallowsAutoCreationAnswersUnknownTopicAndCreatesNothing() throws IOException {
        try (RawKafkaClient client = connect()) {
            MetadataResponseTopic t = metadata(client, "not-auto-created", false);
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.forCode(t.errorCode()));
        }
        assertTrue(broker.topics().get("not-auto-created").isEmpty());
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void brokerWithAutoCreateDisabledDoesNotCreateTopicsOnMetadata(@TempDir Path otherDir) throws IOException {
        try (Broker strict = TestBroker.start(otherDir, Map.of("auto.create.topics.enable", "false"));
             RawKafkaClient client = RawKafkaClient.connect(strict.address())) {
            MetadataResponseTopic t = metadata(client, "wanted", true);
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.forCode(t.errorCode()));
            assertTrue(strict.topics().get("wanted").isEmpty());
            assertTrue(strict.topics().all().stream().allMatch(topic -> topic.name().equals("__consumer_offsets")),
                    "no topic but the internal offsets topic exists");
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    // ---- idempotent producers --------------------------------------------------------------

    @Test
    void idempotentProduceDeduplicatesRetriesAndRejectsGapsAndFencedEpochs() throws IOException {
        String topic = "idempotent";
        createTopic(topic, Map.of());
        try (RawKafkaClient client = connect()) {
            InitProducerIdResponseData first = initProducerId(client, -1, (short) -1);
            assertEquals(Errors.NONE, Errors.forCode(first.errorCode()));
            long pid = first.producerId();
            short epoch = first.producerEpoch();
            assertTrue(pid >= 0);
            assertEquals(0, epoch);

            MemoryRecords seq0 = idempotentBatch(pid, epoch, 0, "a", "b");
            assertEquals(new PartitionResult(Errors.NONE, 0, null), produce(client, topic, 0, seq0));
            assertEquals(2, logEndOffset(topic, 0));

            // a retry of the same batch is acknowledged with the original offsets and not written again
            PartitionResult retry = produce(client, topic, 0, idempotentBatch(pid, epoch, 0, "a", "b"));
            assertEquals(new PartitionResult(Errors.NONE, 0, null), retry);
            assertEquals(2, logEndOffset(topic, 0));

            // a gap in the sequence
            assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER,
                    produce(client, topic, 0, idempotentBatch(pid, epoch, 5, "gap")).error());
            assertEquals(2, logEndOffset(topic, 0));

            // the next sequence is still accepted after the rejection
            assertEquals(new PartitionResult(Errors.NONE, 2, null),
                    produce(client, topic, 0, idempotentBatch(pid, epoch, 2, "c")));

            // bump the epoch, write with it, then the old epoch is fenced
            InitProducerIdResponseData bumped = initProducerId(client, pid, epoch);
            assertEquals(Errors.NONE, Errors.forCode(bumped.errorCode()));
            assertEquals(pid, bumped.producerId());
            assertEquals(epoch + 1, bumped.producerEpoch());
            assertEquals(new PartitionResult(Errors.NONE, 3, null),
                    produce(client, topic, 0, idempotentBatch(pid, bumped.producerEpoch(), 0, "d")));
            assertEquals(Errors.INVALID_PRODUCER_EPOCH,
                    produce(client, topic, 0, idempotentBatch(pid, epoch, 3, "stale")).error());
            assertEquals(4, logEndOffset(topic, 0));

            assertEquals(List.of("a", "b", "c", "d"), readValues(client, topic, 0));
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    // ---- unsupported APIs and versions -----------------------------------------------------

    @Test
    void apiTheBrokerDoesNotImplementIsAnsweredWithUnsupportedVersion() throws IOException {
        try (RawKafkaClient client = connect()) {
            ElectLeadersResponse elect = (ElectLeadersResponse) client.send(new ElectLeadersRequestData()
                    .setTopicPartitions(null).setTimeoutMs(1000), (short) 2);
            assertEquals(Errors.UNSUPPORTED_VERSION, Errors.forCode(elect.data().errorCode()));

            DescribeLogDirsResponse logDirs = (DescribeLogDirsResponse) client.send(new DescribeLogDirsRequestData()
                    .setTopics(null), (short) 3);
            assertEquals(Errors.UNSUPPORTED_VERSION, Errors.forCode(logDirs.data().errorCode()));

            // the connection stays open and usable
            assertEquals(Errors.NONE, Errors.forCode(apiVersions(client).errorCode()));
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void apiVersionsAtAnUnknownVersionIsAnsweredWithV0AndTheSupportedRanges() throws IOException {
        try (RawKafkaClient client = connect()) {
            RequestHeader header = client.header(ApiKeys.API_VERSIONS, (short) 99);
            ApiVersionsRequestData body = new ApiVersionsRequestData().setClientSoftwareName("raw")
                    .setClientSoftwareVersion("1");
            client.sendFrame(RawKafkaClient.encode(header, body, API_VERSIONS_V));
            ApiVersionsResponse fallback = (ApiVersionsResponse) client.readResponse(header, (short) 0);
            assertEquals(Errors.UNSUPPORTED_VERSION, Errors.forCode(fallback.data().errorCode()));
            assertSupportedRanges(fallback.data());

            // the client retries at a version the broker supports, on the same connection
            assertEquals(Errors.NONE, Errors.forCode(apiVersions(client).errorCode()));
        }
        assertBrokerServesAndControlTopicUnchanged();
    }

    @Test
    void apiVersionsAdvertisesProduceFromV3AndFetchFromV4() throws IOException {
        try (RawKafkaClient client = connect()) {
            ApiVersionsResponseData response = apiVersions(client);
            assertEquals(Errors.NONE, Errors.forCode(response.errorCode()));
            assertSupportedRanges(response);
            assertNull(response.apiKeys().find(ApiKeys.ELECT_LEADERS.id));
            assertNull(response.apiKeys().find(ApiKeys.DESCRIBE_LOG_DIRS.id));
        }
    }

    private static void assertSupportedRanges(ApiVersionsResponseData data) {
        ApiVersion produce = data.apiKeys().find(ApiKeys.PRODUCE.id);
        ApiVersion fetch = data.apiKeys().find(ApiKeys.FETCH.id);
        assertNotNull(produce);
        assertNotNull(fetch);
        assertEquals(3, produce.minVersion());
        assertEquals(4, fetch.minVersion());
        assertTrue(produce.maxVersion() >= PRODUCE_V);
        assertTrue(fetch.maxVersion() >= FETCH_V);
        assertNotNull(data.apiKeys().find(ApiKeys.API_VERSIONS.id));
        assertNotNull(data.apiKeys().find(ApiKeys.METADATA.id));
    }

    // ---- what every test checks afterwards -------------------------------------------------

    /** A fresh connection is served, and the control topic holds exactly what it held before. */
    private static void assertBrokerServesAndControlTopicUnchanged() throws IOException {
        try (RawKafkaClient client = connect()) {
            assertEquals(Errors.NONE, Errors.forCode(apiVersions(client).errorCode()));
            MetadataResponseTopic t = metadata(client, CONTROL, false);
            assertEquals(Errors.NONE, Errors.forCode(t.errorCode()));
            assertEquals(1, t.partitions().size());
        }
        assertControlTopicUnchanged();
    }

    private static void assertControlTopicUnchanged() throws IOException {
        assertEquals(CONTROL_VALUES.size(), logEndOffset(CONTROL, 0));
        try (RawKafkaClient client = connect()) {
            assertEquals(CONTROL_VALUES, readValues(client, CONTROL, 0));
        }
    }

    // ---- request helpers -------------------------------------------------------------------

    private record PartitionResult(Errors error, long baseOffset, String message) {
        static PartitionResult of(ProduceResponse response, String topic, int partition) {
            var topicResponse = response.data().responses().find(topic, Uuid.ZERO_UUID);
            assertNotNull(topicResponse, "no response for topic " + topic + ": " + response.data());
            for (PartitionProduceResponse p : topicResponse.partitionResponses()) {
                if (p.index() == partition) {
                    Errors error = Errors.forCode(p.errorCode());
                    return new PartitionResult(error, p.baseOffset(), error == Errors.NONE ? null : p.errorMessage());
                }
            }
            throw new AssertionError("no response for " + topic + "-" + partition + ": " + response.data());
        }
    }

    private static RawKafkaClient connect() throws IOException {
        return RawKafkaClient.connect(broker.address());
    }

    private static long logEndOffset(String topic, int partition) {
        return broker.topics().log(new TopicPartition(topic, partition)).logEndOffset();
    }

    private static MemoryRecords batch(String... values) {
        return MemoryRecords.withRecords(Compression.NONE, records(values));
    }

    private static MemoryRecords idempotentBatch(long producerId, short epoch, int baseSequence, String... values) {
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, baseSequence, records(values));
    }

    private static SimpleRecord[] records(String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(System.currentTimeMillis(), ("k" + i).getBytes(StandardCharsets.UTF_8),
                    values[i].getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    private static ProduceRequestData produceRequest(String topic, int partition, MemoryRecords records) {
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000)
                .setTransactionalId(null);
        ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(topic);
        t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(records));
        request.topicData().add(t);
        return request;
    }

    private static PartitionResult produce(RawKafkaClient client, String topic, int partition, MemoryRecords records)
            throws IOException {
        return produce(client, topic, partition, records, PRODUCE_V);
    }

    private static PartitionResult produce(RawKafkaClient client, String topic, int partition, MemoryRecords records,
                                           short version) throws IOException {
        ProduceResponse response = (ProduceResponse) client.send(produceRequest(topic, partition, records), version);
        return PartitionResult.of(response, topic, partition);
    }

    private static FetchRequestData fetchRequest(String topic, int partition) {
        FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0)
                .setMaxBytes(1 << 20).setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1);
        request.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(0)
                        .setCurrentLeaderEpoch(-1).setLastFetchedEpoch(-1).setLogStartOffset(-1)
                        .setPartitionMaxBytes(1 << 20))));
        return request;
    }

    private static List<String> readValues(RawKafkaClient client, String topic, int partition) throws IOException {
        FetchResponse response = (FetchResponse) client.send(fetchRequest(topic, partition), FETCH_V);
        assertEquals(Errors.NONE, response.error());
        FetchResponseData.PartitionData pd = response.data().responses().get(0).partitions().get(0);
        assertEquals(Errors.NONE, Errors.forCode(pd.errorCode()));
        List<String> values = new ArrayList<>();
        long expectedOffset = 0;
        for (Record r : ((MemoryRecords) pd.records()).records()) {
            r.ensureValid();
            assertEquals(expectedOffset++, r.offset());
            values.add(StandardCharsets.UTF_8.decode(r.value()).toString());
        }
        return values;
    }

    private static MetadataResponseTopic metadata(RawKafkaClient client, String topic, boolean allowAutoCreate)
            throws IOException {
        MetadataRequestData request = new MetadataRequestData().setAllowAutoTopicCreation(allowAutoCreate)
                .setIncludeTopicAuthorizedOperations(false);
        request.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(topic));
        MetadataResponse response = (MetadataResponse) client.send(request, METADATA_V);
        assertEquals(1, response.data().brokers().size());
        assertEquals(1, response.data().topics().size());
        return response.data().topics().iterator().next();
    }

    private static void createTopic(String name, Map<String, String> configs) throws IOException {
        CreatableTopic t = new CreatableTopic().setName(name).setNumPartitions(1).setReplicationFactor((short) 1);
        configs.forEach((k, v) -> t.configs().add(new CreatableTopicConfig().setName(k).setValue(v)));
        try (RawKafkaClient client = connect()) {
            CreatableTopicResult r = createTopic(client, t);
            assertEquals(Errors.NONE, Errors.forCode(r.errorCode()), r.errorMessage());
        }
    }

    private static CreatableTopicResult createTopic(RawKafkaClient client, CreatableTopic topic) throws IOException {
        CreateTopicsRequestData request = new CreateTopicsRequestData().setTimeoutMs(30_000);
        request.topics().add(topic.duplicate());
        CreateTopicsResponse response = (CreateTopicsResponse) client.send(request, CREATE_TOPICS_V);
        CreatableTopicResult r = response.data().topics().find(topic.name());
        assertNotNull(r, "no result for " + topic.name());
        return r;
    }

    private static InitProducerIdResponseData initProducerId(RawKafkaClient client, long producerId, short epoch)
            throws IOException {
        InitProducerIdRequestData request = new InitProducerIdRequestData().setTransactionalId(null)
                .setTransactionTimeoutMs(Integer.MAX_VALUE).setProducerId(producerId).setProducerEpoch(epoch);
        return ((InitProducerIdResponse) client.send(request, INIT_PRODUCER_ID_V)).data();
    }

    private static ApiVersionsResponseData apiVersions(RawKafkaClient client) throws IOException {
        ApiVersionsResponse response = (ApiVersionsResponse) client.send(new ApiVersionsRequestData()
                .setClientSoftwareName("raw").setClientSoftwareVersion("1"), API_VERSIONS_V);
        assertFalse(response.data().apiKeys().isEmpty());
        return response.data();
    }
}
