package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.BrokerConfig;
import io.tributary.broker.api.RequestPolicies;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/** Starts an in-process broker on a free loopback port over a given data directory. */
public final class TestBroker {
    private TestBroker() {
    }

    public static Broker start(Path dataDir) throws IOException {
        return start(dataDir, Map.of());
    }

    public static Broker start(Path dataDir, Map<String, String> props) throws IOException {
        return start(dataDir, props, RequestPolicies.DEFAULTS);
    }

    /** With the authorizer and throttle policy every request goes through. */
    public static Broker start(Path dataDir, Map<String, String> props, RequestPolicies policies) throws IOException {
        BrokerConfig config = BrokerConfig.defaults()
                .with("listeners", "127.0.0.1:0")
                .with("log.dirs", dataDir.toString())
                .with("num.io.threads", "4")
                // No HTTP listener unless a test asks for one: the default port would be taken by the first broker.
                .with("http.listeners", "");
        for (Map.Entry<String, String> e : props.entrySet()) config = config.with(e.getKey(), e.getValue());
        return Broker.start(config, Clock.systemUTC(), policies);
    }
}
