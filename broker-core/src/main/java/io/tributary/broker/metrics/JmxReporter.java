package io.tributary.broker.metrics;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Shows the metrics of a {@link MetricRegistry} as MBeans of an {@link MBeanServer} (the platform
 * one), one MBean per metric under its {@link MetricName} with its attributes, read-only, as Kafka's
 * Yammer {@code JmxReporter} does; metrics added or removed later come and go with the registry.
 *
 * <p>One broker per JVM: Kafka's names carry no broker id, so only one broker of a JVM can own them.
 * {@link #start} claims them by registering one MBean first (the broker's {@code BrokerState}); when
 * that name is taken, by another broker of this JVM whatever its class loader, it registers nothing
 * and returns empty. Any other name found taken is left to its owner and skipped (logged once at
 * {@code DEBUG}). {@link #close} unregisters every MBean it registered, the claim last.
 *
 * <p>Kafka's quota metrics are Kafka Metrics, not Yammer ones: Kafka shows them as one MBean per
 * group with the metrics as attributes ({@code kafka.server:type=Produce,user=u,client-id=c},
 * attributes {@code byte-rate} and {@code throttle-time}; {@code type=Fetch}, {@code type=Request},
 * {@code type=LeaderReplication}, {@code type=FollowerReplication}). The gauges of those types are
 * shown the same way here: the MBean is the name without its {@code name} key, each gauge an
 * attribute named by its {@code name}, a {@code double} as in Kafka ({@link #isKafkaMetricsGroup}).
 *
 * <p>Thread safety: called by the registry with its lock held (see {@link MetricRegistry.Listener});
 * the set of registered names and the groups are guarded by this object's monitor.
 */
public final class JmxReporter implements MetricRegistry.Listener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(JmxReporter.class.getName());

    private final MBeanServer server;
    private final MetricRegistry registry;
    private final MetricName claim;
    /** What this reporter registered, the claim first; guarded by this object's monitor. */
    private final Set<ObjectName> registered = new LinkedHashSet<>();
    /** The Kafka Metrics groups registered, by MBean name; guarded by this object's monitor. */
    private final java.util.Map<ObjectName, GroupMBean> groups = new java.util.HashMap<>();
    private static final Set<String> KAFKA_METRICS_TYPES = Set.of("Produce", "Fetch", "Request", "LeaderReplication",
            "FollowerReplication");

    /** Whether {@code name} is a gauge Kafka shows as an attribute of a group's MBean (see the class comment). */
    static boolean isKafkaMetricsGroup(MetricName name, Metric metric) {
        return metric instanceof Gauge && name.domain().equals("kafka.server") && KAFKA_METRICS_TYPES.contains(name.type());
    }

    private JmxReporter(MBeanServer server, MetricRegistry registry, MetricName claim) {
        this.server = server;
        this.registry = registry;
        this.claim = claim;
    }

    /**
     * Registers {@code registry}'s metrics in {@code server}, {@code claim} (a metric of the registry)
     * first; empty, with nothing registered, when {@code claim}'s name is already taken.
     */
    public static Optional<JmxReporter> start(MBeanServer server, MetricRegistry registry, MetricName claim) {
        Metric claimMetric = registry.get(claim).orElseThrow(() ->
                new IllegalArgumentException("The claim " + claim + " is not a metric of the registry"));
        JmxReporter reporter = new JmxReporter(server, registry, claim);
        try {
            server.registerMBean(new MetricMBean(claim, claimMetric), claim.objectName());
        } catch (InstanceAlreadyExistsException taken) {
            return Optional.empty();
        } catch (JMException e) {
            throw new IllegalStateException("Cannot register " + claim + ": " + e.getMessage(), e);
        }
        synchronized (reporter) {
            reporter.registered.add(claim.objectName());
        }
        registry.addListener(reporter);
        return Optional.of(reporter);
    }

    @Override
    public synchronized void added(MetricName name, Metric metric) {
        if (isKafkaMetricsGroup(name, metric)) {
            addToGroup(name, (Gauge) metric);
            return;
        }
        ObjectName objectName = name.objectName();
        if (registered.contains(objectName)) return;
        try {
            server.registerMBean(new MetricMBean(name, metric), objectName);
            registered.add(objectName);
        } catch (InstanceAlreadyExistsException taken) {
            LOG.log(System.Logger.Level.DEBUG, "MBean " + name + " is registered by someone else; not replaced");
        } catch (JMException e) {
            LOG.log(System.Logger.Level.WARNING, "Cannot register MBean " + name + ": " + e.getMessage());
        }
    }

    private void addToGroup(MetricName name, Gauge gauge) {
        ObjectName objectName = name.groupObjectName();
        GroupMBean group = groups.get(objectName);
        if (group == null) {
            group = new GroupMBean(name.groupObjectName().toString());
            group.put(name.name(), gauge);
            try {
                server.registerMBean(group, objectName);
            } catch (InstanceAlreadyExistsException taken) {
                LOG.log(System.Logger.Level.DEBUG, "MBean " + objectName + " is registered by someone else; not replaced");
                return;
            } catch (JMException e) {
                LOG.log(System.Logger.Level.WARNING, "Cannot register MBean " + objectName + ": " + e.getMessage());
                return;
            }
            groups.put(objectName, group);
            registered.add(objectName);
        } else {
            group.put(name.name(), gauge);
        }
    }

    @Override
    public synchronized void removed(MetricName name, Metric metric) {
        if (isKafkaMetricsGroup(name, metric)) {
            ObjectName objectName = name.groupObjectName();
            GroupMBean group = groups.get(objectName);
            if (group != null && group.remove(name.name())) {
                groups.remove(objectName);
                registered.remove(objectName);
                unregister(objectName);
            }
            return;
        }
        ObjectName objectName = name.objectName();
        if (name.equals(claim) || !registered.remove(objectName)) return;
        unregister(objectName);
    }

    private void unregister(ObjectName objectName) {
        try {
            server.unregisterMBean(objectName);
        } catch (JMException e) {
            LOG.log(System.Logger.Level.DEBUG, "MBean " + objectName + " was already gone");
        }
    }

    /** Unregisters every MBean this reporter registered, the claim last; the registry is left as it is. */
    @Override
    public void close() {
        registry.removeListener(this);
        List<ObjectName> names;
        synchronized (this) {
            names = new ArrayList<>(registered);
            registered.clear();
            groups.clear();
        }
        for (int i = names.size() - 1; i >= 0; i--) unregister(names.get(i));
    }

    /** A read-only MBean without operations: subclasses give its attributes and its info. */
    private abstract static class ReadOnlyMBean implements DynamicMBean {
        @Override
        public AttributeList getAttributes(String[] names) {
            AttributeList list = new AttributeList();
            for (String a : names) {
                try {
                    list.add(new Attribute(a, getAttribute(a)));
                } catch (javax.management.JMException absent) {
                    // left out, as JMX expects of an attribute the MBean does not have
                }
            }
            return list;
        }

        @Override
        public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
            throw new AttributeNotFoundException(attribute.getName() + " is read-only");
        }

        @Override
        public AttributeList setAttributes(AttributeList attributes) {
            return new AttributeList();
        }

        @Override
        public Object invoke(String actionName, Object[] params, String[] signature) {
            throw new UnsupportedOperationException("A metric has no operations");
        }
    }

    /**
     * A Kafka Metrics group as a read-only MBean: one {@code double} attribute per gauge. Attributes
     * may be added after registration (a quota's throttle time appears at the first throttle), so
     * its MBeanInfo is built when asked. Thread-safe.
     */
    private static final class GroupMBean extends ReadOnlyMBean {
        private final String description;
        private final java.util.Map<String, Gauge> attributes = new java.util.concurrent.ConcurrentSkipListMap<>();

        GroupMBean(String description) {
            this.description = description;
        }

        void put(String attribute, Gauge gauge) {
            attributes.put(attribute, gauge);
        }

        /** Removes an attribute; true when none is left. */
        boolean remove(String attribute) {
            attributes.remove(attribute);
            return attributes.isEmpty();
        }

        @Override
        public Object getAttribute(String attribute) throws AttributeNotFoundException {
            Gauge g = attributes.get(attribute);
            if (g == null) throw new AttributeNotFoundException(attribute);
            return (double) g.value();
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            List<MBeanAttributeInfo> infos = new ArrayList<>();
            for (String a : attributes.keySet()) infos.add(new MBeanAttributeInfo(a, "double", a, true, false, false));
            return new MBeanInfo(GroupMBean.class.getName(), "Tributary metrics group " + description,
                    infos.toArray(new MBeanAttributeInfo[0]), null, null, null);
        }
    }

    /** One metric as a read-only MBean whose attributes are the metric's. */
    private static final class MetricMBean extends ReadOnlyMBean {
        private final Metric metric;
        private final MBeanInfo info;

        MetricMBean(MetricName name, Metric metric) {
            this.metric = metric;
            List<MBeanAttributeInfo> attributes = new ArrayList<>();
            for (String a : metric.attributeNames()) {
                attributes.add(new MBeanAttributeInfo(a, type(a), a, true, false, false));
            }
            this.info = new MBeanInfo(metric.getClass().getName(), "Tributary " + metric.kind() + " " + name,
                    attributes.toArray(new MBeanAttributeInfo[0]), null, null, null);
        }

        private static String type(String attribute) {
            return switch (attribute) {
                case "Count", "Value" -> "long";
                case "EventType" -> String.class.getName();
                case "RateUnit" -> java.util.concurrent.TimeUnit.class.getName();
                default -> "double";
            };
        }

        @Override
        public Object getAttribute(String attribute) throws AttributeNotFoundException {
            if (!metric.attributeNames().contains(attribute)) throw new AttributeNotFoundException(attribute);
            return metric.attribute(attribute);
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            return info;
        }
    }
}
