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
 * <p>Thread safety: called by the registry with its lock held (see {@link MetricRegistry.Listener});
 * the set of registered names is guarded by this object's monitor.
 */
public final class JmxReporter implements MetricRegistry.Listener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(JmxReporter.class.getName());

    private final MBeanServer server;
    private final MetricRegistry registry;
    private final MetricName claim;
    /** What this reporter registered, the claim first; guarded by this object's monitor. */
    private final Set<ObjectName> registered = new LinkedHashSet<>();

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

    @Override
    public synchronized void removed(MetricName name, Metric metric) {
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
        }
        for (int i = names.size() - 1; i >= 0; i--) unregister(names.get(i));
    }

    /** One metric as a read-only MBean whose attributes are the metric's. */
    private static final class MetricMBean implements DynamicMBean {
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
        public AttributeList getAttributes(String[] attributes) {
            AttributeList list = new AttributeList();
            for (String a : attributes) {
                if (metric.attributeNames().contains(a)) list.add(new Attribute(a, metric.attribute(a)));
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

        @Override
        public MBeanInfo getMBeanInfo() {
            return info;
        }
    }
}
