package io.tributary.api;

import java.util.List;

/**
 * The listener a message-driven bean implements to receive the records of one poll at once (at
 * most {@code maxPollRecords}), in offset order within each partition. The offsets of the whole
 * batch commit with the bean's transaction; on a rollback the batch is delivered again, and when
 * it keeps failing its records are delivered one at a time so only the failing record goes to the
 * dead-letter topic.
 */
public interface BatchRecordListener {
    void onRecords(List<TributaryRecord> records);
}
