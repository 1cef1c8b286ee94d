package io.tributary.broker.cluster;

import io.tributary.broker.quota.ClientQuotaConfigs;
import io.tributary.broker.security.StoredScramCredential;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The cluster metadata at one point of the quorum's log: registered brokers, the brokers in
 * controlled shutdown (handing their leaderships over before they stop; cleared when the broker
 * registers again), topics with their partition states, the SCRAM credentials of SASL users
 * (user → mechanism → stored credential), the ACL bindings, the client quotas and the dynamic broker
 * configs (resource, a node id or "" for the cluster-wide default → name → value). Immutable; each
 * applied command produces a new image.
 */
public record ClusterImage(long version, Map<Integer, BrokerRegistration> brokers, Set<Integer> shuttingDown,
                           Map<String, TopicImage> topics,
                           Map<String, Map<ScramMechanism, StoredScramCredential>> scramCredentials,
                           Set<AclBinding> acls, ClientQuotaConfigs clientQuotas,
                           Map<String, Map<String, String>> brokerConfigs) {
    public static final ClusterImage EMPTY = new ClusterImage(0, Map.of(), Set.of(), Map.of());

    public ClusterImage {
        brokers = Map.copyOf(brokers);
        shuttingDown = Set.copyOf(shuttingDown);
        topics = Map.copyOf(topics);
        scramCredentials = Map.copyOf(scramCredentials);
        acls = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(acls));
        if (clientQuotas == null) clientQuotas = ClientQuotaConfigs.EMPTY;
        Map<String, Map<String, String>> configs = new TreeMap<>();
        if (brokerConfigs != null) brokerConfigs.forEach((r, c) -> configs.put(r, Map.copyOf(c)));
        brokerConfigs = java.util.Collections.unmodifiableMap(configs);
    }

    /** An image without client quotas and dynamic broker configs. */
    public ClusterImage(long version, Map<Integer, BrokerRegistration> brokers, Set<Integer> shuttingDown,
                        Map<String, TopicImage> topics,
                        Map<String, Map<ScramMechanism, StoredScramCredential>> scramCredentials, Set<AclBinding> acls) {
        this(version, brokers, shuttingDown, topics, scramCredentials, acls, ClientQuotaConfigs.EMPTY, Map.of());
    }

    /** An image without SCRAM credentials and ACLs. */
    public ClusterImage(long version, Map<Integer, BrokerRegistration> brokers, Set<Integer> shuttingDown,
                        Map<String, TopicImage> topics) {
        this(version, brokers, shuttingDown, topics, Map.of(), Set.of(), ClientQuotaConfigs.EMPTY, Map.of());
    }

    public Optional<PartitionRegistration> partition(TopicPartition tp) {
        TopicImage t = topics.get(tp.topic());
        if (t == null || tp.partition() < 0 || tp.partition() >= t.partitions().size()) return Optional.empty();
        return Optional.of(t.partitions().get(tp.partition()));
    }

    /** Registering (again) ends a controlled shutdown the broker may have begun before. */
    ClusterImage withBroker(BrokerRegistration broker) {
        Map<Integer, BrokerRegistration> b = new TreeMap<>(brokers);
        b.put(broker.nodeId(), broker);
        Set<Integer> s = new TreeSet<>(shuttingDown);
        s.remove(broker.nodeId());
        return new ClusterImage(version + 1, b, s, topics, scramCredentials, acls, clientQuotas, brokerConfigs);
    }

    ClusterImage withShuttingDown(int nodeId) {
        Set<Integer> s = new TreeSet<>(shuttingDown);
        s.add(nodeId);
        return new ClusterImage(version + 1, brokers, s, topics, scramCredentials, acls, clientQuotas, brokerConfigs);
    }

    ClusterImage withTopic(TopicImage topic) {
        Map<String, TopicImage> t = new TreeMap<>(topics);
        t.put(topic.name(), topic);
        return new ClusterImage(version + 1, brokers, shuttingDown, t, scramCredentials, acls, clientQuotas, brokerConfigs);
    }

    ClusterImage withoutTopic(String name) {
        Map<String, TopicImage> t = new TreeMap<>(topics);
        t.remove(name);
        return new ClusterImage(version + 1, brokers, shuttingDown, t, scramCredentials, acls, clientQuotas, brokerConfigs);
    }

    ClusterImage withScramCredentials(Map<String, Map<ScramMechanism, StoredScramCredential>> credentials) {
        return new ClusterImage(version + 1, brokers, shuttingDown, topics, credentials, acls, clientQuotas, brokerConfigs);
    }

    /** This image with {@code acls} as its ACL bindings. */
    ClusterImage withAcls(Set<AclBinding> acls) {
        return new ClusterImage(version + 1, brokers, shuttingDown, topics, scramCredentials, acls, clientQuotas, brokerConfigs);
    }

    /** This image with {@code clientQuotas} as its client quotas. */
    ClusterImage withClientQuotas(ClientQuotaConfigs clientQuotas) {
        return new ClusterImage(version + 1, brokers, shuttingDown, topics, scramCredentials, acls, clientQuotas, brokerConfigs);
    }

    /** This image with {@code configs} as its dynamic broker configs. */
    ClusterImage withBrokerConfigs(Map<String, Map<String, String>> configs) {
        return new ClusterImage(version + 1, brokers, shuttingDown, topics, scramCredentials, acls, clientQuotas, configs);
    }
}
