package io.tributary.health;

import javax.management.AttributeNotFoundException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the resource adapter's MBeans ({@code io.tributary:type=Adapter,*} and
 * {@code io.tributary:type=Activation,*}) from the platform MBeanServer by name and attribute, so
 * this module needs none of the adapter's classes. Every call reads the MBeans afresh; an MBean
 * unregistered in between is skipped. Stateless, thread-safe.
 */
public final class TributaryMBeans {
    static final ObjectName ADAPTERS = name("io.tributary:type=Adapter,*");
    static final ObjectName ACTIVATIONS = name("io.tributary:type=Activation,*");

    /** One adapter instance: its MBean and what its health checks need. */
    public record Adapter(ObjectName name, boolean started, boolean embedded, boolean listenerServing,
                          boolean controllerKnown, boolean live, boolean ready) {
    }

    /** One activation: its MBean and what its health checks need. */
    public record Activation(ObjectName name, String activation, String groupId, String state, boolean live,
                             boolean ready, String lastError, int restarts, List<String> pausedPartitions) {
    }

    private final MBeanServer server;

    public TributaryMBeans() {
        this(ManagementFactory.getPlatformMBeanServer());
    }

    TributaryMBeans(MBeanServer server) {
        this.server = server;
    }

    public List<Adapter> adapters() {
        List<Adapter> out = new ArrayList<>();
        for (ObjectName n : server.queryNames(ADAPTERS, null)) {
            try {
                out.add(new Adapter(n, bool(n, "Started"), bool(n, "Embedded"), bool(n, "ListenerServing"),
                        bool(n, "ControllerKnown"), bool(n, "Live"), bool(n, "Ready")));
            } catch (InstanceNotFoundException gone) {
                // stopped meanwhile
            }
        }
        return out;
    }

    public List<Activation> activations() {
        List<Activation> out = new ArrayList<>();
        for (ObjectName n : server.queryNames(ACTIVATIONS, null)) {
            try {
                out.add(new Activation(n, (String) get(n, "Name"), (String) get(n, "GroupId"), (String) get(n, "State"),
                        bool(n, "Live"), bool(n, "Ready"), (String) get(n, "LastError"), ((Number) get(n, "Restarts")).intValue(),
                        List.of((String[]) get(n, "PausedPartitions"))));
            } catch (InstanceNotFoundException gone) {
                // deactivated meanwhile
            }
        }
        return out;
    }

    private boolean bool(ObjectName n, String attribute) throws InstanceNotFoundException {
        return Boolean.TRUE.equals(get(n, attribute));
    }

    private Object get(ObjectName n, String attribute) throws InstanceNotFoundException {
        try {
            return server.getAttribute(n, attribute);
        } catch (InstanceNotFoundException e) {
            throw e;
        } catch (AttributeNotFoundException e) {
            throw new IllegalStateException(n + " has no attribute " + attribute + " (an adapter of another version?)", e);
        } catch (JMException e) {
            throw new IllegalStateException("Cannot read " + attribute + " of " + n + ": " + e.getMessage(), e);
        }
    }

    private static ObjectName name(String s) {
        try {
            return new ObjectName(s);
        } catch (MalformedObjectNameException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
