package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.log.FileSync;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With {@code flush.messages=1} the produce acknowledgement waits for the fsync of the batch: the
 * broker's segment files are forced through a {@link FileSync} that holds the force of one
 * partition's file until the test releases it, and the producer's send must not complete before
 * that. (Killing the process cannot show this: the page cache outlives a SIGKILL, so acknowledged
 * records survive with or without the fsync.) A topic without {@code flush.messages} is
 * acknowledged without any force.
 */
class FsyncBeforeAckTest {
    @TempDir
    Path dataDir;

    /** Holds the force of files in partition directory {@code held} until released; records every force. */
    private static final class HeldSync implements FileSync {
        final String held;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> forced = new CopyOnWriteArrayList<>();

        HeldSync(String held) {
            this.held = held;
        }

        @Override
        public void force(FileChannel channel, File file) throws IOException {
            String partitionDir = file.getParentFile().getName();
            if (partitionDir.equals(held)) {
                entered.countDown();
                try {
                    if (!release.await(60, TimeUnit.SECONDS)) throw new IOException("the test never released the force");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            channel.force(true);
            forced.add(partitionDir + "/" + file.getName() + " at " + channel.size() + " bytes");
        }
    }

    @Test
    void theAcknowledgementOfAFlushMessagesOneTopicWaitsForTheFsync() throws Exception {
        HeldSync sync = new HeldSync("synced-0");
        try (Broker broker = TestBroker.start(dataDir)) {
            broker.logs().useFileSync(sync);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("synced", 1, (short) 1).configs(Map.of("flush.messages", "1")),
                        new NewTopic("cached", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = producer(broker)) {
                RecordMetadata cached = producer.send(new ProducerRecord<>("cached", "k", "v")).get(10, TimeUnit.SECONDS);
                assertEquals(0, cached.offset());
                assertEquals(List.of(), sync.forced, "a topic without flush.messages is acknowledged unforced");

                Future<RecordMetadata> ack = producer.send(new ProducerRecord<>("synced", "k", "v"));
                assertTrue(sync.entered.await(10, TimeUnit.SECONDS), "the append forces the partition's segment file");
                Thread.sleep(500);
                assertFalse(ack.isDone(), "acknowledged before its fsync finished");

                sync.release.countDown();
                assertEquals(0, ack.get(10, TimeUnit.SECONDS).offset());
                assertTrue(sync.forced.get(0).startsWith("synced-0/00000000000000000000.log at "), sync.forced.toString());
                assertFalse(sync.forced.get(0).endsWith(" at 0 bytes"), "the force saw the batch in the file");
            } finally {
                sync.release.countDown();
            }
        }
    }

    private static KafkaProducer<String, String> producer(Broker broker) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }
}
