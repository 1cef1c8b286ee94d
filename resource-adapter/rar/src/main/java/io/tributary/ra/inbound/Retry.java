package io.tributary.ra.inbound;

/**
 * How the delivery of a record (or a batch) has gone so far. Immutable.
 *
 * @param deliveries  deliveries that reached the bean (or conversion): the next one is number {@code deliveries + 1}
 * @param failures    failures for the record's own sake, counted against {@code maxRedeliveries}
 * @param outages     outages in a row (the outage backoff's exponent)
 * @param lastError   the last failure of the record itself (what a dead letter reports); null for a plain rollback
 * @param deadLetter  whether it is to be dead-lettered rather than delivered
 * @param published   whether its dead letter is published (only the offset remains to be stored)
 */
record Retry(int deliveries, int failures, int outages, Throwable lastError, boolean deadLetter, boolean published) {
    static final Retry NONE = new Retry(0, 0, 0, null, false, false);

    /** After a failed delivery that ended with {@code result}. */
    Retry after(RecordDelivery.Result result) {
        int d = deliveries + (result.attempted() ? 1 : 0);
        return switch (result.outcome()) {
            case OUTAGE -> new Retry(d, failures, outages + 1, lastError, false, false);
            case RECORD_FAILED -> new Retry(d, failures + 1, 0, result.error(), false, false);
            case POISON -> new Retry(d, failures + 1, 0, result.error(), true, false);
            case COMMITTED, ALREADY_DELIVERED -> new Retry(d, failures, 0, lastError, false, false);
        };
    }

    /** To be dead-lettered. */
    Retry toDeadLetter() {
        return new Retry(deliveries, failures, 0, lastError, true, false);
    }

    /** After dead-lettering failed at the publish ({@code published} false) or at storing the offset. */
    Retry deadLetterFailed(boolean published) {
        return new Retry(deliveries, failures, outages + 1, lastError, true, published);
    }
}
