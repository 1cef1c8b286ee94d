package io.tributary.broker.cluster;

/** A broker as the metadata quorum knows it: its node id and the Kafka listener clients should use. */
public record BrokerRegistration(int nodeId, String host, int port) {
}
