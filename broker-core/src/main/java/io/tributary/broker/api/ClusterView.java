package io.tributary.broker.api;

/**
 * What handlers need to know about the cluster: this node's id and advertised address, the cluster
 * id. A single node is its own controller and the leader of every partition.
 */
public record ClusterView(String clusterId, int nodeId, String host, int port) {
}
