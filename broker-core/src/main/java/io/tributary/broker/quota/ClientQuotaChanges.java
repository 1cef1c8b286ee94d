package io.tributary.broker.quota;

import java.util.List;

/**
 * Where client quota changes go: on a node alone, to its data directory ({@link ClientQuotaFile});
 * in a cluster, to the metadata quorum, which commits them and hands them back to every node's
 * {@link ClientQuotaStore#replaceAll}. Returns once the changes are durable and in force on this
 * node, or throws a Kafka exception.
 */
public interface ClientQuotaChanges {
    void apply(List<ClientQuotaChange> changes);
}
