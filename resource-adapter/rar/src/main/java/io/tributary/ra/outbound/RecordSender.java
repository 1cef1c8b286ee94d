package io.tributary.ra.outbound;

import io.tributary.api.OutgoingRecord;
import io.tributary.api.SentRecord;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Where a connection's sends go: the factory's shared producer, or the JTA branch's Kafka
 * transaction. A send never throws; its stage completes exceptionally with a
 * {@link io.tributary.api.SendFailedException} ({@link SendErrors}).
 */
interface RecordSender {
    /** Sends {@code record}; the stage fails with a timeout after {@code timeout} (null: the producer's own bounds only). */
    CompletionStage<SentRecord> send(OutgoingRecord record, Duration timeout);
}
