package io.tributary.bench.mdb.wildfly;

import jakarta.annotation.Resource;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /bench/api/stats}: the server's clock ({@code nowMs}), when the start gate opened
 * ({@code startedMs}, 0 while closed) and, per bean, messages and listener calls so far and the
 * time of the first and the last delivery (the document bench/mdb/monitor.py reads).
 * {@code POST /bench/api/start} opens the start gate. {@code GET /bench/api/rows/<phase>}: the rows
 * of that phase committed in {@code BENCH_ROWS}.
 */
@Path("")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class StatsResource {
    @Resource(lookup = Rows.DATASOURCE)
    private DataSource rows;

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

    @GET
    @Path("rows/{phase}")
    public Map<String, Object> rows(@PathParam("phase") String phase) throws SQLException {
        return Map.of("phase", phase, "rows", Rows.count(rows, phase));
    }
}
