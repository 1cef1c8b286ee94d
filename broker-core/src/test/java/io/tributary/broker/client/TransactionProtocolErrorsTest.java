package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.EndTxnResponse;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Bad transactional input on the wire gets Kafka's error code and leaves no partition with a
 * transaction that holds {@code read_committed} consumers back: a transactional write to a
 * partition that is not part of the transaction, an EndTxn for an unknown transactional id or from
 * a fenced epoch, a transaction timeout beyond the broker's maximum, and a marker for a partition
 * with no open transaction.
 */
class TransactionProtocolErrorsTest {
    private static final Map<String, String> BROKER = Map.of("transaction.state.log.num.partitions", "2",
            "offsets.topic.num.partitions", "2");

    @TempDir
    Path dataDir;

    private static InitProducerIdResponseData init(RawKafkaClient client, String txnId, int timeoutMs) throws Exception {
        client.send(new FindCoordinatorRequestData().setKeyType((byte) 1).setKey(txnId), (short) 3);
        return ((InitProducerIdResponse) client.send(new InitProducerIdRequestData().setTransactionalId(txnId)
                .setTransactionTimeoutMs(timeoutMs).setProducerId(-1).setProducerEpoch((short) -1), (short) 4)).data();
    }

    private static Errors produce(RawKafkaClient client, String txnId, TopicPartition tp, long pid, short epoch)
            throws Exception {
        MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, pid, epoch, 0,
                new SimpleRecord("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8)));
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName(tp.topic());
        td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(tp.partition()).setRecords(records));
        topics.add(td);
        ProduceResponse r = (ProduceResponse) client.send(new ProduceRequestData().setTransactionalId(txnId)
                .setAcks((short) -1).setTimeoutMs(5000).setTopicData(topics), (short) 9);
        return Errors.forCode(r.data().responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    @Test
    void aTransactionalWriteToAPartitionOutsideTheTransactionIsRefusedAndHangsNothing() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, BROKER);
             RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
            broker.topics().create("accounts", 1, (short) 1, Map.of(), 1);
            TopicPartition tp = new TopicPartition("accounts", 0);
            InitProducerIdResponseData id = init(client, "sloppy", 60_000);
            assertEquals(Errors.NONE.code(), id.errorCode());
            assertEquals(Errors.INVALID_TXN_STATE, produce(client, "sloppy", tp, id.producerId(), id.producerEpoch()),
                    "the partition was never added to the transaction");
            PartitionLog log = broker.logs().get(tp).orElseThrow();
            assertEquals(0, log.logEndOffset(), "nothing written");

            AddPartitionsToTxnRequestData add = new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId("sloppy")
                    .setV3AndBelowProducerId(id.producerId()).setV3AndBelowProducerEpoch(id.producerEpoch());
            add.v3AndBelowTopics().add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName("accounts")
                    .setPartitions(List.of(0)));
            AddPartitionsToTxnResponse added = (AddPartitionsToTxnResponse) client.send(add, (short) 3);
            assertEquals(Map.of(tp, Errors.NONE), added.errors().get(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID));
            assertEquals(Errors.NONE, produce(client, "sloppy", tp, id.producerId(), id.producerEpoch()));
            assertEquals(0, log.lastStableOffset(), "now the transaction is open in the partition");
        }
    }

    @Test
    void endTxnAndInitProducerIdErrorsAreKafkas() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, BROKER);
             RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
            client.send(new FindCoordinatorRequestData().setKeyType((byte) 1).setKey("nobody"), (short) 3);
            EndTxnResponse unknown = (EndTxnResponse) client.send(new EndTxnRequestData().setTransactionalId("nobody")
                    .setProducerId(5).setProducerEpoch((short) 0).setCommitted(true), (short) 3);
            assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING, unknown.error());

            assertEquals(Errors.INVALID_TRANSACTION_TIMEOUT.code(), init(client, "greedy", 900_001).errorCode());

            InitProducerIdResponseData first = init(client, "twice", 60_000);
            InitProducerIdResponseData second = init(client, "twice", 60_000);
            assertEquals(first.producerId(), second.producerId());
            assertEquals(first.producerEpoch() + 1, second.producerEpoch(), "the second instance fences the first");
            EndTxnResponse fenced = (EndTxnResponse) client.send(new EndTxnRequestData().setTransactionalId("twice")
                    .setProducerId(first.producerId()).setProducerEpoch(first.producerEpoch()).setCommitted(true), (short) 3);
            assertEquals(Errors.PRODUCER_FENCED, fenced.error());
            EndTxnResponse nothingOpen = (EndTxnResponse) client.send(new EndTxnRequestData().setTransactionalId("twice")
                    .setProducerId(second.producerId()).setProducerEpoch(second.producerEpoch()).setCommitted(true), (short) 3);
            assertEquals(Errors.INVALID_TXN_STATE, nothingOpen.error());
        }
    }

    @Test
    void aMarkerForAPartitionWithoutAnOpenTransactionChangesNothingItShouldNot() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, BROKER);
             RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
            broker.topics().create("quiet", 1, (short) 1, Map.of(), 1);
            WriteTxnMarkersRequestData.WritableTxnMarker marker = new WriteTxnMarkersRequestData.WritableTxnMarker()
                    .setProducerId(77).setProducerEpoch((short) 0).setTransactionResult(false).setCoordinatorEpoch(0);
            marker.topics().add(new WriteTxnMarkersRequestData.WritableTxnMarkerTopic().setName("quiet")
                    .setPartitionIndexes(List.of(0)));
            WriteTxnMarkersRequestData request = new WriteTxnMarkersRequestData();
            request.markers().add(marker);
            WriteTxnMarkersResponse r = (WriteTxnMarkersResponse) client.send(request, (short) 1);
            assertEquals(Map.of(new TopicPartition("quiet", 0), Errors.NONE), r.errorsByProducerId().get(77L));
            PartitionLog log = broker.logs().get(new TopicPartition("quiet", 0)).orElseThrow();
            assertEquals(log.logEndOffset(), log.lastStableOffset(), "no transaction is opened by a stray marker");
            assertEquals(List.of(), log.abortedTransactions(0, log.logEndOffset()));
        }
    }
}
