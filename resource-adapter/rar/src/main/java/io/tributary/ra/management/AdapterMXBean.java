package io.tributary.ra.management;

/**
 * What JMX shows of one started instance of the resource adapter, registered as
 * {@code io.tributary:type=Adapter,name=<n>} (n from 0; a server may start several instances of one
 * deployment, WildFly one per connection factory an application defines) from the end of its start
 * to the beginning of its stop. Reading an attribute is cheap: {@link #isListenerServing()} opens
 * and closes one loopback connection, nothing else does I/O.
 */
public interface AdapterMXBean {
    /** True from the end of the adapter's start to the beginning of its stop. */
    boolean isStarted();

    /** True when the adapter runs a broker node of its own; false with {@code bootstrapServers}. */
    boolean isEmbedded();

    /** The bootstrap address the adapter's clients use. */
    String getBootstrapServers();

    /** The embedded node's id ({@code node.id}), or the {@code nodeId} property with {@code bootstrapServers}. */
    int getNodeId();

    /** True when the embedded node's first listener accepts a connection (always true with {@code bootstrapServers}). */
    boolean isListenerServing();

    /**
     * True when the embedded node knows the cluster's controller (the metadata quorum's leader),
     * i.e. it is on the majority side; always true for a node on its own or with {@code bootstrapServers}.
     */
    boolean isControllerKnown();

    /** The controller's node id; -1 when none is known, or without a cluster. */
    int getControllerId();

    /** Activated message-driven beans of this adapter instance. */
    int getActivations();

    /** Liveness: the adapter is started. (Each activation reports its own liveness.) */
    boolean isLive();

    /** Readiness: started, and the embedded node's listener serving and its controller known. */
    boolean isReady();
}
