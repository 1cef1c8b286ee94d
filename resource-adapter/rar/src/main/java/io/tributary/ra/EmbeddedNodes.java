package io.tributary.ra;

import io.tributary.broker.Broker;

import java.io.File;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The embedded broker nodes of this adapter's class loader, one per data directory, shared by every
 * adapter instance that names that directory. A server may create several instances of the
 * adapter from one deployment — WildFly starts one for the deployment's own activation
 * (ironjacamar.xml) and one more for each connection factory an application defines with
 * {@code @ConnectionFactoryDefinition} — and they must all talk to the same node. The first
 * instance starts the node with its configuration; the node stops when the last one releases it.
 *
 * <p>Thread-safe.
 */
final class EmbeddedNodes {
    /** Starts a node; called at most once per data directory while it is running. */
    interface Starter {
        Broker start() throws IOException;
    }

    private static final Map<String, Shared> NODES = new HashMap<>();

    private record Shared(Broker broker, int users) {
    }

    private EmbeddedNodes() {
    }

    /** The node of {@code dataDirectory}: the running one, or a new one from {@code starter}. */
    static synchronized Broker acquire(File dataDirectory, Starter starter) throws IOException {
        String key = dataDirectory.getAbsolutePath();
        Shared shared = NODES.get(key);
        Broker broker = shared == null ? starter.start() : shared.broker();
        NODES.put(key, new Shared(broker, shared == null ? 1 : shared.users() + 1));
        return broker;
    }

    /** Gives up one use of {@code broker}; closes it when nobody else uses it. */
    static synchronized void release(Broker broker) throws IOException {
        for (Map.Entry<String, Shared> e : NODES.entrySet()) {
            if (e.getValue().broker() == broker) {
                if (e.getValue().users() > 1) {
                    e.setValue(new Shared(broker, e.getValue().users() - 1));
                    return;
                }
                NODES.remove(e.getKey());
                break;
            }
        }
        broker.close();
    }
}
