package io.tributary.broker.security;

import java.util.List;

/**
 * Where SCRAM credential changes go: on a node alone, to its data directory
 * ({@link ScramCredentialFile}); in a cluster, to the metadata quorum, which commits them and hands
 * them back to every node's {@link ScramCredentialStore#replaceAll}. Returns once the changes are
 * durable and applied on this node, or throws a Kafka exception.
 */
public interface ScramCredentialChanges {
    void apply(List<ScramCredentialChange> changes);
}
