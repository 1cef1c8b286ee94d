package io.tributary.broker.config;

import io.tributary.broker.log.TopicConfigKey;
import io.tributary.broker.quota.ReplicationQuotas;
import org.apache.kafka.common.errors.InvalidRequestException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Kafka's rules for broker settings changed at run time ({@code IncrementalAlterConfigs} and
 * {@code AlterConfigs} on a {@code BROKER} resource, what {@code kafka-configs --entity-type brokers}
 * sends), and how the layers combine.
 *
 * <p>Each name has a {@link Mode}: {@link Mode#CLUSTER_WIDE} settings may be set for one node
 * ({@code resourceName} = its id) or as the cluster-wide default ({@code resourceName} = ""):
 * the topic defaults ({@code log.retention.ms}, {@code log.segment.bytes}, {@code message.max.bytes},
 * {@code min.insync.replicas}, ... every broker name of {@link TopicConfigKey}), the log cleaner's
 * {@code log.cleaner.backoff.ms}, {@code log.cleaner.dedupe.buffer.size},
 * {@code log.cleaner.io.max.bytes.per.second} (and Kafka's {@code log.cleaner.io.buffer.*}, accepted
 * without effect), {@code num.io.threads} and the replication quota rates {@code
 * leader.replication.throttled.rate} and {@code follower.replication.throttled.rate}.
 * {@link Mode#PER_BROKER} settings only for one node: the TLS material of a listener, {@code
 * listener.name.<name>.ssl.*}. {@link Mode#READ_ONLY}
 * settings are read from the properties at start only (every other broker setting this broker or
 * Kafka knows; Kafka answers "Cannot update these configs dynamically"). Names nobody knows are
 * {@link Mode#CUSTOM}: stored and described like Kafka does for plugin settings, without effect.
 *
 * <p>Precedence, as in Kafka: a node's own dynamic value, then the cluster-wide dynamic default,
 * then the static properties, then the built-in default. Names that are spellings of one setting
 * ({@code log.retention.ms}/{@code .minutes}/{@code .hours}) count as one: the highest layer that
 * sets any of them wins, and within it the finest unit. Stateless apart from the set of static
 * names; thread-safe.
 */
public final class DynamicBrokerConfigs {
    /** The resource name of the cluster-wide default. */
    public static final String DEFAULT_RESOURCE = "";

    /** How a broker setting may change at run time. */
    public enum Mode { CLUSTER_WIDE, PER_BROKER, READ_ONLY, CUSTOM }

    /** The log cleaner settings that change at run time, with their built-in defaults. */
    public static final Map<String, String> CLEANER_DEFAULTS = Map.of(
            "log.cleaner.backoff.ms", "15000",
            "log.cleaner.dedupe.buffer.size", "67108864",
            "log.cleaner.io.max.bytes.per.second", "1.7976931348623157E308",
            "log.cleaner.io.buffer.size", "524288",
            "log.cleaner.io.buffer.load.factor", "0.9");

    /** Kafka's coarser spellings of topic defaults: each group is one setting, finest first. */
    private static final List<List<String>> SPELLINGS = List.of(
            List.of("log.retention.ms", "log.retention.minutes", "log.retention.hours"),
            List.of("log.roll.ms", "log.roll.hours"),
            List.of("log.roll.jitter.ms", "log.roll.jitter.hours"));

    /** Kafka broker settings this broker does not read but that Kafka never changes at run time. */
    private static final Set<String> KAFKA_STATIC = Set.of("broker.id", "log.dir", "process.roles",
            "controller.quorum.voters", "controller.quorum.bootstrap.servers", "controller.listener.names",
            "zookeeper.connect", "log.cleaner.threads", "remote.log.storage.system.enable",
            "security.inter.broker.protocol", "num.replica.fetchers", "background.threads",
            "num.recovery.threads.per.data.dir", "ssl.principal.mapping.rules");

    /** The TLS settings of a listener, each with its listener prefix. */
    private static final Pattern LISTENER_TLS = Pattern.compile("listener\\.name\\.[^.]+\\.(ssl\\.(keystore\\.(type|location"
            + "|password|key|certificate\\.chain)|key\\.password|truststore\\.(type|location|password|certificates)"
            + "|client\\.auth|enabled\\.protocols|cipher\\.suites))");
    private static final Pattern UNPREFIXED_TLS = Pattern.compile("ssl\\.(keystore\\.(type|location|password|key"
            + "|certificate\\.chain)|key\\.password|truststore\\.(type|location|password|certificates)|client\\.auth"
            + "|enabled\\.protocols|cipher\\.suites)");

    private final Set<String> staticNames;

    /** @param staticNames every broker setting this broker reads from its properties */
    public DynamicBrokerConfigs(Set<String> staticNames) {
        this.staticNames = Set.copyOf(staticNames);
    }

    public Mode mode(String name) {
        if (clusterWide(name)) return Mode.CLUSTER_WIDE;
        if (LISTENER_TLS.matcher(name).matches()) return Mode.PER_BROKER;
        if (staticNames.contains(name) || KAFKA_STATIC.contains(name) || UNPREFIXED_TLS.matcher(name).matches()
                || name.startsWith("listener.name.")) {
            return Mode.READ_ONLY;
        }
        return Mode.CUSTOM;
    }

    private static boolean clusterWide(String name) {
        if (TopicConfigKey.forBrokerName(name).isPresent() || CLEANER_DEFAULTS.containsKey(name)
                || name.equals("num.io.threads") || name.equals(ReplicationQuotas.LEADER_RATE)
                || name.equals(ReplicationQuotas.FOLLOWER_RATE)) {
            return true;
        }
        for (List<String> group : SPELLINGS) if (group.contains(name)) return true;
        return false;
    }

    /**
     * Checks a change of {@code resource}'s dynamic configs as Kafka does, the whole resource at
     * once: read-only names, TLS settings without their listener prefix, per-broker names on the
     * cluster-wide default, then each value.
     *
     * @throws InvalidRequestException with Kafka's message
     */
    public void validate(String resource, Map<String, String> set, Set<String> removed) {
        Set<String> names = new TreeSet<>(set.keySet());
        names.addAll(removed);
        List<String> readOnly = new ArrayList<>();
        List<String> unprefixed = new ArrayList<>();
        List<String> perBroker = new ArrayList<>();
        for (String name : names) {
            if (UNPREFIXED_TLS.matcher(name).matches()) unprefixed.add(name);
            else if (mode(name) == Mode.READ_ONLY) readOnly.add(name);
            else if (mode(name) == Mode.PER_BROKER) perBroker.add(name);
        }
        if (!readOnly.isEmpty()) throw new InvalidRequestException("Cannot update these configs dynamically: " + readOnly);
        if (!unprefixed.isEmpty()) {
            throw new InvalidRequestException("These security configs can be dynamically updated only per-listener "
                    + "using the listener prefix: " + unprefixed);
        }
        if (resource.equals(DEFAULT_RESOURCE) && !perBroker.isEmpty()) {
            throw new InvalidRequestException("Cannot update these configs at default cluster level, broker id must "
                    + "be specified: " + perBroker);
        }
        for (Map.Entry<String, String> e : set.entrySet()) {
            try {
                validateValue(e.getKey(), e.getValue());
            } catch (RuntimeException bad) {
                throw new InvalidRequestException("Invalid config value for resource ConfigResource(type=BROKER, name='"
                        + resource + "'): " + bad.getMessage());
            }
        }
    }

    /** The canonical form of a value, or an exception saying why it is not acceptable. */
    public static String validateValue(String name, String value) {
        if (value == null) throw new IllegalArgumentException("Null value not supported for " + name);
        var topicKey = TopicConfigKey.forBrokerName(name);
        if (topicKey.isPresent()) return topicKey.get().validate(value);
        String v = value.trim();
        switch (name) {
            case "log.retention.minutes", "log.retention.hours", "log.roll.hours", "log.roll.jitter.hours" ->
                    atLeast(name, v, name.startsWith("log.roll.hours") ? 1 : name.startsWith("log.roll") ? 0 : Long.MIN_VALUE);
            case "log.cleaner.backoff.ms" -> atLeast(name, v, 0);
            case "log.cleaner.dedupe.buffer.size" -> atLeast(name, v, 1);
            case "log.cleaner.io.buffer.size" -> atLeast(name, v, 0);
            case "num.io.threads" -> atLeast(name, v, 1);
            case ReplicationQuotas.LEADER_RATE, ReplicationQuotas.FOLLOWER_RATE -> atLeast(name, v, 0);
            case "log.cleaner.io.max.bytes.per.second", "log.cleaner.io.buffer.load.factor" -> {
                double d;
                try {
                    d = Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("Invalid value " + value + " for configuration " + name
                            + ": Not a number of type DOUBLE");
                }
                if (!(d > 0)) {
                    throw new IllegalArgumentException("Invalid value " + value + " for configuration " + name
                            + ": Value must be greater than 0");
                }
            }
            default -> {
                if (name.endsWith("ssl.client.auth")) {
                    String a = v.toLowerCase(Locale.ROOT);
                    if (!a.equals("none") && !a.equals("requested") && !a.equals("required")) {
                        throw new IllegalArgumentException("Invalid value " + value + " for configuration " + name
                                + ": String must be one of: required, requested, none");
                    }
                }
            }
        }
        return v;
    }

    private static void atLeast(String name, String value, long min) {
        long parsed;
        try {
            parsed = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid value " + value + " for configuration " + name
                    + ": Not a number of type LONG");
        }
        if (parsed < min) {
            throw new IllegalArgumentException("Invalid value " + value + " for configuration " + name
                    + ": Value must be at least " + min);
        }
    }

    /**
     * The broker's effective properties: {@code staticProps} under the cluster-wide default under
     * the node's own dynamic configs, with the spellings of one setting taken from one layer.
     */
    public static Map<String, String> effective(Map<String, String> staticProps, Map<String, String> clusterDefault,
                                                Map<String, String> perBroker) {
        Map<String, String> out = new HashMap<>(staticProps);
        for (Map<String, String> layer : List.of(clusterDefault, perBroker)) {
            for (List<String> group : SPELLINGS) {
                if (group.stream().anyMatch(layer::containsKey)) group.forEach(out::remove);
            }
            out.putAll(layer);
        }
        return out;
    }

    /**
     * The names that stand for the same setting as {@code name}, in Kafka's synonym order: the
     * listener-prefixed TLS setting then its plain name; a topic default then its coarser spellings.
     */
    public static List<String> synonyms(String name) {
        Set<String> out = new LinkedHashSet<>();
        out.add(name);
        var m = LISTENER_TLS.matcher(name);
        if (m.matches()) out.add(m.group(1));
        for (List<String> group : SPELLINGS) if (group.get(0).equals(name)) out.addAll(group);
        return List.copyOf(out);
    }

    /** Whether a value is a secret DescribeConfigs never returns (Kafka's PASSWORD settings and keys). */
    public static boolean isSensitive(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.contains("password") || n.contains("secret") || n.endsWith("jaas.config") || n.endsWith(".key")
                || n.endsWith("scram.initial.users")
                || n.endsWith("ssl.keystore.certificate.chain") || n.endsWith("ssl.truststore.certificates");
    }
}
