package io.tributary.ra;

import io.tributary.broker.testing.ApacheKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * {@link TransactionalSendTest} with the adapter pointed at Apache Kafka ({@code bootstrapServers})
 * instead of its embedded node: the same transactional sends, prepares, recovery after a restart
 * and scoping of recovery, against Kafka's own transaction coordinator.
 */
class TransactionalSendOnKafkaTest extends TransactionalSendTest {
    @TempDir
    static Path kafkaDir;
    private static ApacheKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = ApacheKafka.start(kafkaDir);
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) kafka.close();
    }

    @Override
    protected String externalBootstrap() {
        return kafka.bootstrap();
    }
}
