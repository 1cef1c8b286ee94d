package io.tributary.broker;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.network.KafkaServer;
import io.tributary.broker.network.Listener;
import io.tributary.broker.network.ReloadableSslContext;
import io.tributary.broker.network.TlsContexts;
import io.tributary.broker.network.TlsSettings;
import io.tributary.broker.topic.TopicManager;

import java.io.File;
import java.util.HashMap;
import java.util.Map;

/**
 * Applies the broker's effective properties (static under the dynamic broker configs) to the
 * running node: the topic defaults of every log without its own override, the log cleaner's
 * backoff, key-map budget and I/O limit, the number of request-handler threads
 * ({@code num.io.threads}), and the TLS material of each TLS listener (new connections get the new
 * certificate; a key store or trust store file is read again when its settings or its file's
 * modification time changed). {@link #check} tells beforehand whether the node could run with a
 * set of properties. Called by the dynamic config store under its monitor, so applications never
 * overlap; the TLS stores are read there (rare admin changes, small files).
 */
final class BrokerReconfiguration {
    private static final System.Logger LOG = System.getLogger(BrokerReconfiguration.class.getName());

    private final TopicManager topics;
    private final LogManager logs;
    private final KafkaServer server;
    private final Map<Listener, ReloadableSslContext> tls;
    /** What each TLS listener's context was last built from: settings and store modification times. */
    private final Map<Listener, Object> tlsBuiltFrom = new HashMap<>();
    private Map<String, String> applied;

    BrokerReconfiguration(TopicManager topics, LogManager logs, KafkaServer server, Map<Listener, ReloadableSslContext> tls,
                          Map<String, String> startedWith) {
        this.topics = topics;
        this.logs = logs;
        this.server = server;
        this.tls = Map.copyOf(tls);
        for (Listener l : tls.keySet()) tlsBuiltFrom.put(l, tlsSource(TlsSettings.of(startedWith, l)));
    }

    /** Throws (naming the setting) when the node could not run with {@code effective}. */
    static void check(Map<String, String> effective, Iterable<Listener> listeners) {
        LogConfig.brokerDefaults(effective);
        for (Listener l : listeners) if (l.usesTls()) TlsContexts.server(TlsSettings.of(effective, l));
    }

    synchronized void apply(Map<String, String> effective) {
        Map<String, String> previous = applied;
        applied = Map.copyOf(effective);
        if (previous == null || !topicDefaultsOf(previous).equals(topicDefaultsOf(effective))) {
            topics.updateBrokerDefaults(LogConfig.brokerDefaults(effective));
        }
        logs.reconfigureCleaner(Long.parseLong(effective.get("log.cleaner.backoff.ms").trim()),
                Long.parseLong(effective.get("log.cleaner.dedupe.buffer.size").trim()),
                Double.parseDouble(effective.get("log.cleaner.io.max.bytes.per.second").trim()));
        server.resizeIoThreads(Integer.parseInt(effective.get("num.io.threads").trim()));
        for (Map.Entry<Listener, ReloadableSslContext> e : tls.entrySet()) {
            Listener l = e.getKey();
            try {
                TlsSettings settings = TlsSettings.of(effective, l);
                Object source = tlsSource(settings);
                if (source.equals(tlsBuiltFrom.get(l))) continue;
                e.getValue().replace(TlsContexts.server(settings));
                tlsBuiltFrom.put(l, source);
                LOG.log(System.Logger.Level.INFO, "Listener " + l.name() + " serves new connections with " + settings);
            } catch (RuntimeException failed) {
                LOG.log(System.Logger.Level.WARNING, "Listener " + l.name() + " keeps its TLS material: "
                        + failed.getMessage());
            }
        }
    }

    private static Map<String, String> topicDefaultsOf(Map<String, String> props) {
        Map<String, String> out = new HashMap<>();
        props.forEach((k, v) -> {
            if (k.startsWith("log.") || k.equals("message.max.bytes") || k.equals("min.insync.replicas")
                    || k.startsWith("compression.") || k.equals("unclean.leader.election.enable")
                    || k.equals("max.decompressed.message.bytes")) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static Object tlsSource(TlsSettings s) {
        return java.util.List.of(s, modified(s.keystoreLocation()), modified(s.truststoreLocation()));
    }

    private static long modified(String location) {
        return location == null ? 0 : new File(location).lastModified();
    }
}
