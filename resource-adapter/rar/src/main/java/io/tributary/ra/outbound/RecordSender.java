package io.tributary.ra.outbound;

import io.tributary.api.OutgoingRecord;
import io.tributary.api.SentRecord;

import java.util.concurrent.CompletionStage;

/** Where a connection's sends go: the factory's shared producer, or the JTA branch's Kafka transaction. */
interface RecordSender {
    CompletionStage<SentRecord> send(OutgoingRecord record);
}
