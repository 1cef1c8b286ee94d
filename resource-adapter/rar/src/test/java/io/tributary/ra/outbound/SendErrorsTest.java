package io.tributary.ra.outbound;

import io.tributary.api.AuthorizationFailedException;
import io.tributary.api.OutgoingRecord;
import io.tributary.api.RecordTooLargeException;
import io.tributary.api.SendFailedException;
import io.tributary.api.SendTimeoutException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Kafka client's send failures as the API's error model names them. */
class SendErrorsTest {
    private final OutgoingRecord record = OutgoingRecord.of("payments", "k", "v").toPartition(2);

    @Test
    void eachKafkaFailureBecomesTheApiTypeWithTopicPartitionAndTheClientsExceptionAsCause() {
        TopicAuthorizationException denied = new TopicAuthorizationException(Set.of("payments"));
        SendFailedException e = SendErrors.failed(record, "", denied);
        assertInstanceOf(AuthorizationFailedException.class, e);
        assertEquals("payments", e.topic());
        assertEquals(2, e.partition());
        assertSame(denied, e.getCause());
        assertTrue(e.getMessage().startsWith("Send to payments-2 failed: "), e.getMessage());

        assertInstanceOf(AuthorizationFailedException.class, SendErrors.failed(record, " in transaction t",
                new TransactionalIdAuthorizationException("no")));
        assertInstanceOf(SendTimeoutException.class, SendErrors.failed(record, "", new TimeoutException("expired")));
        assertInstanceOf(RecordTooLargeException.class, SendErrors.failed(record, "",
                new org.apache.kafka.common.errors.RecordTooLargeException("big")));
        assertInstanceOf(RecordTooLargeException.class, SendErrors.failed(record, "", new RecordBatchTooLargeException("big")));
        SendFailedException other = SendErrors.failed(record, "", new UnknownServerException("boom"));
        assertEquals(SendFailedException.class, other.getClass());
        assertInstanceOf(SendTimeoutException.class, SendErrors.failed(record, "",
                new CompletionException(new TimeoutException("wrapped"))), "a CompletionException is unwrapped");
    }
}
