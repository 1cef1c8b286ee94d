package io.tributary.broker.http;

import io.tributary.broker.metrics.MetricName;
import io.tributary.broker.metrics.MetricValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes the broker's metrics ({@code BrokerMetrics.snapshot()}) in the Prometheus text exposition
 * format 0.0.4 or in OpenMetrics 1.0, under the names the Prometheus JMX exporter's usual Kafka
 * rules give Kafka's JMX names, so that dashboards built on those rules read Tributary unchanged:
 * <ul>
 *   <li>the name is {@code domain_type_name} of the JMX name, lower-cased, dots and other
 *   characters outside {@code [a-zA-Z0-9_]} turned into {@code _}, and a meter's {@code PerSec}
 *   suffix dropped ({@code kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=t} is
 *   {@code kafka_server_brokertopicmetrics_messagesin});</li>
 *   <li>the JMX tags other than type and name become labels, in their order ({@code topic="t"});</li>
 *   <li>a meter is a counter of its {@code Count} ({@code …_total}), a gauge its {@code Value}, a
 *   histogram a summary: its percentiles as {@code quantile} labels (0.5 … 0.999), {@code _count} its
 *   {@code Count} and {@code _sum} its {@code Mean} times its {@code Count}.</li>
 * </ul>
 * The samples of one family are written together, families sorted by name. Stateless.
 */
final class PrometheusFormat {
    static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private static final Map<String, String> QUANTILES = new java.util.LinkedHashMap<>();

    static {
        QUANTILES.put("50thPercentile", "0.5");
        QUANTILES.put("75thPercentile", "0.75");
        QUANTILES.put("95thPercentile", "0.95");
        QUANTILES.put("98thPercentile", "0.98");
        QUANTILES.put("99thPercentile", "0.99");
        QUANTILES.put("999thPercentile", "0.999");
    }

    private PrometheusFormat() {
    }

    /** One family: its type and its sample lines (without the family's TYPE line). */
    private record Family(String type, List<String> samples) {
    }

    static String write(List<MetricValue> metrics, boolean openMetrics) {
        Map<String, Family> families = new TreeMap<>();
        for (MetricValue m : metrics) {
            String base = familyName(m.name());
            String labels = labels(m.name().tags(), null);
            switch (m.kind()) {
                case "meter" -> family(families, base, "counter").samples()
                        .add(base + "_total" + labels + " " + number(m.attributes().get("Count")));
                case "gauge" -> family(families, base, "gauge").samples()
                        .add(base + labels + " " + number(m.attributes().get("Value")));
                case "histogram" -> {
                    Family f = family(families, base, "summary");
                    for (Map.Entry<String, String> q : QUANTILES.entrySet()) {
                        Object v = m.attributes().get(q.getKey());
                        if (v != null) f.samples().add(base + labels(m.name().tags(), q.getValue()) + " " + number(v));
                    }
                    Object count = m.attributes().get("Count");
                    Object mean = m.attributes().get("Mean");
                    f.samples().add(base + "_count" + labels + " " + number(count));
                    if (count instanceof Number c && mean instanceof Number avg) {
                        f.samples().add(base + "_sum" + labels + " " + number(avg.doubleValue() * c.longValue()));
                    }
                }
                default -> {
                    // a kind this format does not know is left out
                }
            }
        }
        StringBuilder b = new StringBuilder();
        families.forEach((name, f) -> {
            String typeName = !openMetrics && f.type().equals("counter") ? name + "_total" : name;
            b.append("# TYPE ").append(typeName).append(' ').append(f.type()).append('\n');
            for (String s : f.samples()) b.append(s).append('\n');
        });
        if (openMetrics) b.append("# EOF\n");
        return b.toString();
    }

    private static Family family(Map<String, Family> families, String name, String type) {
        Family f = families.computeIfAbsent(name, n -> new Family(type, new ArrayList<>()));
        if (!f.type().equals(type)) {
            // two JMX names folding into one family of another type: keep them apart
            return families.computeIfAbsent(name + "_" + type, n -> new Family(type, new ArrayList<>()));
        }
        return f;
    }

    /** {@code kafka_server_brokertopicmetrics_messagesin} for {@code kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec}. */
    static String familyName(MetricName name) {
        String n = name.name();
        int perSec = n.indexOf("PerSec");
        if (perSec > 0) n = n.substring(0, perSec);
        return sanitize(name.domain() + "_" + name.type() + "_" + n).toLowerCase(Locale.ROOT);
    }

    private static String labels(Map<String, String> tags, String quantile) {
        if (tags.isEmpty() && quantile == null) return "";
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, String> e : tags.entrySet()) {
            if (b.length() > 1) b.append(',');
            b.append(sanitize(e.getKey())).append("=\"").append(escape(e.getValue())).append('"');
        }
        if (quantile != null) {
            if (b.length() > 1) b.append(',');
            b.append("quantile=\"").append(quantile).append('"');
        }
        return b.append('}').toString();
    }

    private static String sanitize(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9' && i > 0) || c == '_' ? c : '_');
        }
        return b.toString();
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String number(Object v) {
        if (v instanceof Double d) {
            if (d.isNaN()) return "NaN";
            if (d.isInfinite()) return d > 0 ? "+Inf" : "-Inf";
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue()) : d.toString();
        }
        if (v instanceof Number n) return n.toString();
        return "NaN";
    }
}
