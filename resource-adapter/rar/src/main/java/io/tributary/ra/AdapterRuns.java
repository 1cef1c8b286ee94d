package io.tributary.ra;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The runs of this adapter's class loader, one per data directory: a run begins when the first
 * adapter instance naming the directory starts and ends when the last one stops, so the several
 * instances a server may create from one deployment (WildFly: one per activation) share a run,
 * while a restart of the server, a redeployment (a new class loader) or a stop and start of the
 * adapter begins a new one. The run id is in the transactional ids of the outbound factories,
 * and recovery leaves the running run's ids alone.
 *
 * <p>Thread-safe.
 */
final class AdapterRuns {
    private record Run(String id, int users) {
    }

    private static final Map<String, Run> RUNS = new HashMap<>();

    private AdapterRuns() {
    }

    /** Joins the run of {@code dataDirectory}, beginning one if none is going on; returns its id. */
    static synchronized String join(String dataDirectory) {
        Run run = RUNS.get(dataDirectory);
        Run joined = run == null ? new Run(UUID.randomUUID().toString().substring(0, 8), 1) : new Run(run.id(), run.users() + 1);
        RUNS.put(dataDirectory, joined);
        return joined.id();
    }

    /** Leaves the run of {@code dataDirectory}; it ends with its last user. */
    static synchronized void leave(String dataDirectory) {
        Run run = RUNS.get(dataDirectory);
        if (run == null) return;
        if (run.users() > 1) RUNS.put(dataDirectory, new Run(run.id(), run.users() - 1));
        else RUNS.remove(dataDirectory);
    }
}
