package io.tributary.broker.cluster;

import org.apache.kafka.common.config.ConfigException;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster settings of one node, read from the broker properties. A node is part of a cluster
 * when {@code controller.quorum.voters} lists the nodes ({@code id@host:port}, the JGroups
 * address of each); without it the node runs alone, as its own controller and the leader of
 * every partition. Defaults are in {@link #DEFAULTS} and {@code docs/configuration.md}. Immutable.
 *
 * @param voters node id to JGroups address, in the configured order
 * @param controllerOnly {@code process.roles=controller}: a quorum voter that hosts no partitions
 * @param link how the traffic between the nodes is protected ({@code cluster.link.*})
 */
public record ClusterConfig(int nodeId, String clusterName, Map<Integer, InetSocketAddress> voters,
                            boolean controllerOnly, long failureDetectionTimeoutMs, long replicaLagTimeMaxMs,
                            long replicaFetchWaitMaxMs, int replicaFetchMaxBytes, int replicaFetchResponseMaxBytes,
                            long requestTimeoutMs, short offsetsTopicReplicationFactor, boolean autoLeaderRebalance,
                            boolean controlledShutdown, ClusterLinkSecurity link) {

    /** Cluster settings with their defaults. */
    public static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry("controller.quorum.voters", ""),
            Map.entry("cluster.name", "tributary"),
            Map.entry("process.roles", "broker,controller"),
            Map.entry("cluster.failure.detection.timeout.ms", "3000"),
            Map.entry("replica.lag.time.max.ms", "30000"),
            Map.entry("replica.fetch.wait.max.ms", "500"),
            Map.entry("replica.fetch.max.bytes", "1048576"),
            Map.entry("replica.fetch.response.max.bytes", "10485760"),
            Map.entry("cluster.request.timeout.ms", "10000"),
            Map.entry("offsets.topic.replication.factor", "3"),
            Map.entry("auto.leader.rebalance.enable", "true"),
            Map.entry("controlled.shutdown.enable", "true"),
            Map.entry(ClusterLinkSecurity.PROTOCOL, ClusterLinkSecurity.DEFAULTS.get(ClusterLinkSecurity.PROTOCOL)));

    public ClusterConfig {
        voters = Map.copyOf(voters);
    }

    /** True when this node is part of a cluster (voters configured). */
    public boolean clustered() {
        return !voters.isEmpty();
    }

    /** This node's JGroups address. */
    public InetSocketAddress bindAddress() {
        return voters.get(nodeId);
    }

    public List<Integer> voterIds() {
        return List.copyOf(voters.keySet());
    }

    public static ClusterConfig from(Map<String, String> props, int nodeId) {
        Map<String, String> p = new java.util.HashMap<>(DEFAULTS);
        props.forEach((k, v) -> {
            if (v != null) p.put(k, v);
        });
        Map<Integer, InetSocketAddress> voters = parseVoters(p.get("controller.quorum.voters"));
        if (!voters.isEmpty() && !voters.containsKey(nodeId)) {
            throw new ConfigException("controller.quorum.voters", p.get("controller.quorum.voters"),
                    "must list this node's node.id " + nodeId);
        }
        String roles = p.get("process.roles").replace(" ", "");
        boolean controllerOnly;
        switch (roles) {
            case "broker,controller", "controller,broker", "broker" -> controllerOnly = false;
            case "controller" -> controllerOnly = true;
            default -> throw new ConfigException("process.roles", roles, "expected broker,controller or controller");
        }
        return new ClusterConfig(nodeId, p.get("cluster.name"), voters, controllerOnly,
                positive(p, "cluster.failure.detection.timeout.ms"), positive(p, "replica.lag.time.max.ms"),
                positive(p, "replica.fetch.wait.max.ms"), (int) positive(p, "replica.fetch.max.bytes"),
                (int) positive(p, "replica.fetch.response.max.bytes"), positive(p, "cluster.request.timeout.ms"),
                (short) positive(p, "offsets.topic.replication.factor"),
                Boolean.parseBoolean(p.get("auto.leader.rebalance.enable")),
                Boolean.parseBoolean(p.get("controlled.shutdown.enable")), ClusterLinkSecurity.from(p));
    }

    static Map<Integer, InetSocketAddress> parseVoters(String value) {
        Map<Integer, InetSocketAddress> voters = new LinkedHashMap<>();
        if (value == null || value.isBlank()) return voters;
        for (String entry : value.split(",")) {
            String e = entry.trim();
            int at = e.indexOf('@');
            int colon = e.lastIndexOf(':');
            if (at <= 0 || colon < at) {
                throw new ConfigException("controller.quorum.voters", value, "expected id@host:port[,id@host:port...]");
            }
            try {
                int id = Integer.parseInt(e.substring(0, at));
                String host = e.substring(at + 1, colon);
                int port = Integer.parseInt(e.substring(colon + 1));
                if (voters.put(id, new InetSocketAddress(host, port)) != null) {
                    throw new ConfigException("controller.quorum.voters", value, "node id " + id + " is listed twice");
                }
            } catch (NumberFormatException ex) {
                throw new ConfigException("controller.quorum.voters", value, "expected id@host:port[,id@host:port...]");
            }
        }
        return voters;
    }

    private static long positive(Map<String, String> p, String key) {
        try {
            long v = Long.parseLong(p.get(key).trim());
            if (v <= 0) throw new ConfigException(key, p.get(key), "must be positive");
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException(key, p.get(key), "expected a whole number");
        }
    }
}
