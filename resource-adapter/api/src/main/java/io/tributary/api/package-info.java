/**
 * What applications compile against: {@link io.tributary.api.TributaryConnectionFactory} and
 * {@link io.tributary.api.TributaryConnection} to send, {@link io.tributary.api.RecordListener} and
 * {@link io.tributary.api.BatchRecordListener} for message-driven beans, and the record types.
 *
 * <h2>Errors when sending</h2>
 *
 * A send either throws at once, when nothing was sent, or returns a {@code CompletionStage}, which
 * completes with the {@link io.tributary.api.SentRecord} or exceptionally with a
 * {@link io.tributary.api.SendFailedException} (wrapped in a {@code CompletionException} by
 * {@code join()}, an {@code ExecutionException} by {@code get()}). Nothing else is thrown or
 * completes a stage.
 *
 * <p>Thrown by the send method (nothing was sent):
 * <ul>
 *   <li>{@code IllegalArgumentException}: a missing topic, a negative partition, a timeout that is
 *   not positive; a key of another type than {@code String} or {@code byte[]} for
 *   {@code sendObject} without a {@code keySerializer}.</li>
 *   <li>{@link io.tributary.api.RecordSerializationException}: {@code sendObject}'s key or value
 *   could not be written by the factory's serializer (JSON-B by default).</li>
 *   <li>{@link io.tributary.api.ConnectionClosedException}: the connection was closed.</li>
 *   <li>{@link io.tributary.api.TributaryException}: no connection could be had
 *   ({@code getConnection}, the factory's {@code send} methods), or the adapter is not running.</li>
 * </ul>
 *
 * <p>Completing the stage exceptionally (the record was not stored, or it is not known that it was):
 * <ul>
 *   <li>{@link io.tributary.api.SendTimeoutException}: not acknowledged within the send's timeout,
 *   the producer's {@code delivery.timeout.ms} (default 2 minutes, including retries), or
 *   {@code max.block.ms} waiting for the topic's metadata (a topic that does not exist and is not
 *   created automatically).</li>
 *   <li>{@link io.tributary.api.RecordTooLargeException}: larger than {@code max.request.size} or
 *   the topic's {@code max.message.bytes}.</li>
 *   <li>{@link io.tributary.api.AuthorizationFailedException}: the adapter's principal may not write
 *   to the topic.</li>
 *   <li>{@link io.tributary.api.SendFailedException} itself for any other failure (the cause is the
 *   Kafka client's exception).</li>
 * </ul>
 * Every one carries the topic and, when the record named it, the partition. Retriable broker
 * errors (a leader moving, a broker restarting) are retried by the producer within
 * {@code delivery.timeout.ms} and never reach the application. Inside a JTA transaction a failed
 * send makes the transaction's prepare fail, so the transaction rolls back even when the
 * application ignores the stage.
 *
 * <h2>Errors when receiving</h2>
 *
 * A record whose key or value the activation's deserializer cannot read, or that
 * {@link io.tributary.api.TributaryRecord#valueAs} cannot read as JSON, raises a
 * {@link io.tributary.api.RecordDeserializationException} naming the topic, partition and offset;
 * the adapter treats it as a record at fault (redelivery, then the dead-letter topic).
 */
package io.tributary.api;
