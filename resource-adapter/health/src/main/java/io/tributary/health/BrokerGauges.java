package io.tributary.health;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which of the embedded broker's MBeans (Kafka's JMX names: {@code kafka.server}, {@code kafka.network},
 * {@code kafka.controller}, {@code kafka.log}) become MicroProfile Metrics gauges, and under which
 * names: those of the Prometheus JMX exporter's Kafka rules, so dashboards built for Kafka find them.
 * <ul>
 *   <li>a meter ({@code ...PerSec}, attribute {@code Count}) → {@code kafka_<domain>_<type>_<name without PerSec>_total},
 *       e.g. {@code kafka_server_brokertopicmetrics_messagesin_total};</li>
 *   <li>a gauge (attribute {@code Value}) → {@code kafka_<domain>_<type>_<name>}, e.g.
 *       {@code kafka_server_replicamanager_underreplicatedpartitions};</li>
 *   <li>a histogram → {@code kafka_<domain>_<type>_<name>} tagged {@code quantile} (0.50 to 0.999),
 *       plus {@code _count} and {@code _mean}, e.g. {@code kafka_network_requestmetrics_totaltimems}
 *       tagged {@code request}.</li>
 * </ul>
 * Only the broker-wide metrics and the request metrics per request name: MBeans tagged with a
 * topic, a partition, an API version or an error code stay in JMX, because their number grows with
 * the topics, and because every gauge of one name must carry the same tag names.
 *
 * <p>Stateless; thread-safe.
 */
final class BrokerGauges {
    static final Set<String> DOMAINS = Set.of("kafka.server", "kafka.network", "kafka.controller", "kafka.log");
    private static final Set<String> KEPT_KEYS = Set.of("type", "name", "request");
    private static final Map<String, String> QUANTILES = Map.of("50thPercentile", "0.5", "75thPercentile", "0.75",
            "95thPercentile", "0.95", "98thPercentile", "0.98", "99thPercentile", "0.99", "999thPercentile", "0.999");

    /** One gauge: its metric name, the MBean attribute it reads, and its tags (name, value pairs). */
    record Gauge(String metric, ObjectName mbean, String attribute, Map<String, String> tags) {
    }

    private BrokerGauges() {
    }

    /** Whether {@code name} is one of the broker's MBeans this class maps. */
    static boolean mapped(ObjectName name) {
        return DOMAINS.contains(name.getDomain()) && name.getKeyProperty("type") != null
                && name.getKeyProperty("name") != null && KEPT_KEYS.containsAll(name.getKeyPropertyList().keySet());
    }

    /** The gauges of {@code name} (none when it is not {@link #mapped} or gone). */
    static List<Gauge> of(MBeanServer server, ObjectName name) {
        if (!mapped(name)) return List.of();
        Set<String> attributes = new HashSet<>();
        try {
            for (MBeanAttributeInfo a : server.getMBeanInfo(name).getAttributes()) attributes.add(a.getName());
        } catch (Exception gone) {
            return List.of();
        }
        String base = (name.getDomain().replace('.', '_') + "_" + name.getKeyProperty("type") + "_"
                + name.getKeyProperty("name")).toLowerCase(Locale.ROOT);
        Map<String, String> tags = name.getKeyProperty("request") == null ? Map.of()
                : Map.of("request", name.getKeyProperty("request"));
        List<Gauge> out = new ArrayList<>();
        if (attributes.contains("Value")) {
            out.add(new Gauge(base, name, "Value", tags));
        } else if (attributes.contains("50thPercentile")) {
            QUANTILES.forEach((attribute, quantile) -> {
                Map<String, String> t = new java.util.HashMap<>(tags);
                t.put("quantile", quantile);
                out.add(new Gauge(base, name, attribute, Map.copyOf(t)));
            });
            out.add(new Gauge(base + "_count", name, "Count", tags));
            out.add(new Gauge(base + "_mean", name, "Mean", tags));
        } else if (attributes.contains("Count")) {
            String meter = base.endsWith("persec") ? base.substring(0, base.length() - "persec".length()) : base;
            out.add(new Gauge(meter + "_total", name, "Count", tags));
        }
        return out;
    }
}
