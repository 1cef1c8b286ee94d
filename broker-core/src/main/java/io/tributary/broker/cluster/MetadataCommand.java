package io.tributary.broker.cluster;

import io.tributary.broker.quota.ClientQuotaChange;
import io.tributary.broker.security.ScramCredentialChange;
import org.apache.kafka.common.acl.AclBinding;

import java.util.List;
import java.util.Map;

/**
 * A change to the cluster metadata, proposed to the quorum and applied, in log order, by every
 * node's {@link MetadataStateMachine}. Each command carries what it needs to be checked against
 * the state it is applied to: a stale command (a topic id that no longer matches, a partition epoch
 * that moved on) is refused with an error code rather than applied.
 */
public sealed interface MetadataCommand {
    /** Changes nothing: committing it tells a node how far the log it must apply goes. */
    record Noop() implements MetadataCommand {
    }

    /** A broker announcing (or re-announcing) its Kafka listener. */
    record RegisterBroker(BrokerRegistration broker) implements MetadataCommand {
    }

    /**
     * A broker beginning a controlled shutdown: the controller moves its leaderships to other
     * in-sync replicas and elects it nowhere until it registers again.
     */
    record BeginShutdown(int nodeId) implements MetadataCommand {
    }

    record CreateTopic(TopicImage topic) implements MetadataCommand {
    }

    record DeleteTopic(String name) implements MetadataCommand {
    }

    record AddPartitions(String name, List<PartitionRegistration> added) implements MetadataCommand {
    }

    record SetTopicConfigs(String name, Map<String, String> configs) implements MetadataCommand {
    }

    /**
     * A new leader and/or ISR for one partition, applied only when the partition epoch is still
     * {@code expectedPartitionEpoch}.
     */
    record ChangePartition(String topic, int partition, int expectedPartitionEpoch, int leader, List<Integer> isr)
            implements MetadataCommand {
    }

    /** SCRAM credentials set or deleted (AlterUserScramCredentials), applied together in order. */
    record ChangeScramCredentials(List<ScramCredentialChange> changes) implements MetadataCommand {
    }

    /** ACL bindings added; those already present are left as they are. */
    record CreateAcls(List<AclBinding> acls) implements MetadataCommand {
        public CreateAcls {
            acls = List.copyOf(acls);
        }
    }

    /**
     * Dynamic broker configs of {@code resource} (a node id, or "" for the cluster-wide default):
     * {@code set} set and {@code removed} removed, applied together.
     */
    record AlterBrokerConfigs(String resource, Map<String, String> set, List<String> removed) implements MetadataCommand {
        public AlterBrokerConfigs {
            set = Map.copyOf(set);
            removed = List.copyOf(removed);
        }
    }

    /** ACL bindings removed (each named exactly); those not present are ignored. */
    record DeleteAcls(List<AclBinding> acls) implements MetadataCommand {
        public DeleteAcls {
            acls = List.copyOf(acls);
        }
    }

    /** Client quotas set or removed (AlterClientQuotas), applied together in order. */
    record ChangeClientQuotas(List<ClientQuotaChange> changes) implements MetadataCommand {
        public ChangeClientQuotas {
            changes = List.copyOf(changes);
        }
    }
}
