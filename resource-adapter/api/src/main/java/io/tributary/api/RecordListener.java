package io.tributary.api;

/**
 * The listener a message-driven bean implements to receive records one at a time, in offset
 * order within each partition:
 *
 * <pre>{@code
 * @MessageDriven(activationConfig = {
 *         @ActivationConfigProperty(propertyName = "topics", propertyValue = "orders"),
 *         @ActivationConfigProperty(propertyName = "groupId", propertyValue = "order-store"),
 *         @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
 * public class OrderStore implements RecordListener {
 *     @PersistenceContext EntityManager em;
 *
 *     public void onRecord(TributaryRecord record) {
 *         em.persist(record.valueAs(Order.class));
 *     }
 * }
 * }</pre>
 *
 * When the method runs in a container-managed transaction, the record's offset is committed in
 * that same transaction: a rollback (an exception, or {@code setRollbackOnly}) means the record is
 * delivered again, and after {@code maxRedeliveries} it goes to the dead-letter topic.
 */
public interface RecordListener {
    void onRecord(TributaryRecord record);
}
