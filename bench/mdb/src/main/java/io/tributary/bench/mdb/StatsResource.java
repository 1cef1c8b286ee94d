package io.tributary.bench.mdb;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /bench/api/stats}: the server's clock ({@code nowMs}), when the start gate opened
 * ({@code startedMs}, 0 while closed) and, per bean, records and listener calls so far and the
 * time of the first and the last delivery in ms since the epoch (0 before the first). Beans not in
 * the deployed war stay at 0. {@code POST /bench/api/start} opens the start gate (see
 * {@link DeliveryStats}) and returns the same document.
 */
@Path("")
@Produces(MediaType.APPLICATION_JSON)
public class StatsResource {
    @GET
    @Path("stats")
    public Map<String, Object> stats() {
        List<Map<String, Object>> sinks = new ArrayList<>();
        for (DeliveryStats s : DeliveryStats.ALL) sinks.add(s.toMap());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nowMs", System.currentTimeMillis());
        m.put("startedMs", DeliveryStats.gateOpenedMs());
        m.put("sinks", sinks);
        return m;
    }

    @POST
    @Path("start")
    public Map<String, Object> start() {
        DeliveryStats.openGate();
        return stats();
    }
}
