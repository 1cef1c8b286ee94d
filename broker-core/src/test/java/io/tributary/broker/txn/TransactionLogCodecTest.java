package io.tributary.broker.txn;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.coordinator.transaction.generated.TransactionLogKey;
import org.apache.kafka.coordinator.transaction.generated.TransactionLogValue;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The {@code __transaction_state} records, checked against Kafka's own generated classes, both ways. */
class TransactionLogCodecTest {
    private static final TransactionMetadata ONGOING = new TransactionMetadata("orders-app", 1_099_511_627_777L, -1,
            (short) 3, (short) 2, 60_000, TransactionState.ONGOING,
            Set.of(new TopicPartition("orders", 0), new TopicPartition("orders", 2), new TopicPartition("audit", 1)),
            1_700_000_000_000L, 1_700_000_000_500L);

    @Test
    void kafkaReadsWhatTributaryWrites() {
        ByteBuffer key = ByteBuffer.wrap(TransactionLogCodec.key("orders-app"));
        assertEquals(0, key.getShort());
        assertEquals("orders-app", new TransactionLogKey(new ByteBufferAccessor(key), (short) 0).transactionalId());

        ByteBuffer value = ByteBuffer.wrap(TransactionLogCodec.value(ONGOING));
        short version = value.getShort();
        assertEquals(0, version);
        TransactionLogValue kafka = new TransactionLogValue(new ByteBufferAccessor(value), version);
        assertEquals(ONGOING.producerId(), kafka.producerId());
        assertEquals(ONGOING.producerEpoch(), kafka.producerEpoch());
        assertEquals(ONGOING.timeoutMs(), kafka.transactionTimeoutMs());
        assertEquals(ONGOING.state().id(), kafka.transactionStatus());
        assertEquals(ONGOING.startTimestampMs(), kafka.transactionStartTimestampMs());
        assertEquals(ONGOING.lastUpdateTimestampMs(), kafka.transactionLastUpdateTimestampMs());
        List<TopicPartition> partitions = new ArrayList<>();
        kafka.transactionPartitions().forEach(t -> t.partitionIds().forEach(p -> partitions.add(new TopicPartition(t.topic(), p))));
        assertEquals(ONGOING.partitions(), Set.copyOf(partitions));
    }

    @Test
    void tributaryReadsWhatKafkaWrites() {
        TransactionLogValue kafka = new TransactionLogValue().setProducerId(42L).setProducerEpoch((short) 7)
                .setTransactionTimeoutMs(900_000).setTransactionStatus(TransactionState.PREPARE_COMMIT.id())
                .setTransactionLastUpdateTimestampMs(1_700_000_100_000L).setTransactionStartTimestampMs(1_700_000_000_000L)
                .setTransactionPartitions(List.of(new TransactionLogValue.PartitionsSchema().setTopic("t").setPartitionIds(List.of(0, 4))));
        ByteBuffer value = MessageUtil.toVersionPrefixedByteBuffer((short) 0, kafka);
        TransactionMetadata m = TransactionLogCodec.readValue("id", value);
        assertEquals(42L, m.producerId());
        assertEquals(7, m.producerEpoch());
        assertEquals(900_000, m.timeoutMs());
        assertEquals(TransactionState.PREPARE_COMMIT, m.state());
        assertEquals(Set.of(new TopicPartition("t", 0), new TopicPartition("t", 4)), m.partitions());
        assertEquals(1_700_000_000_000L, m.startTimestampMs());
        ByteBuffer key = MessageUtil.toVersionPrefixedByteBuffer((short) 0, new TransactionLogKey().setTransactionalId("id"));
        assertEquals("id", TransactionLogCodec.readKey(key));
    }
}
