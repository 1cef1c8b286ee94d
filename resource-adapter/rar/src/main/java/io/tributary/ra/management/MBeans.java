package io.tributary.ra.management;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

/**
 * Registers the adapter's MBeans in the platform MBeanServer under the domain {@value #DOMAIN} and
 * takes them away again. A name already taken (two activations with one name, a second adapter
 * instance) gets a suffix rather than failing the activation: monitoring must never stop a bean
 * from running, so registration failures are logged, not thrown. Thread-safe.
 */
public final class MBeans {
    public static final String DOMAIN = "io.tributary";
    private static final System.Logger LOG = System.getLogger(MBeans.class.getName());

    private MBeans() {
    }

    /**
     * Registers {@code mbean} as {@code io.tributary:type=<type>,name=<name>} (the name quoted when it
     * needs it), or with {@code name=<name>#2}, {@code #3}… when that is taken.
     *
     * @return the name it was registered under, or null when it could not be registered
     */
    public static ObjectName register(Object mbean, String type, String name) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (int n = 1; n < 1000; n++) {
            String candidate = n == 1 ? name : name + "#" + n;
            try {
                ObjectName on = objectName(type, candidate);
                server.registerMBean(mbean, on);
                return on;
            } catch (InstanceAlreadyExistsException taken) {
                // try the next suffix
            } catch (JMException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Cannot register the " + type + " MBean " + name + ": " + e, e);
                return null;
            }
        }
        return null;
    }

    /** Unregisters {@code name} if it is registered; null is ignored. */
    public static void unregister(ObjectName name) {
        if (name == null) return;
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (InstanceNotFoundException gone) {
            // already away
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Cannot unregister the MBean " + name + ": " + e, e);
        }
    }

    /** {@code io.tributary:type=<type>,name=<name>}, the name quoted when it holds characters an ObjectName value cannot. */
    public static ObjectName objectName(String type, String name) throws MalformedObjectNameException {
        boolean plain = name.chars().noneMatch(c -> ",=:\"*?\n".indexOf(c) >= 0);
        return new ObjectName(DOMAIN + ":type=" + type + ",name=" + (plain ? name : ObjectName.quote(name)));
    }
}
