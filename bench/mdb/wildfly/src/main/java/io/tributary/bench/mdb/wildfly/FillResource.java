package io.tributary.bench.mdb.wildfly;

import jakarta.annotation.Resource;
import jakarta.enterprise.context.RequestScoped;
import jakarta.jms.BytesMessage;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSProducer;
import jakarta.jms.Queue;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What run-wildfly.sh calls while no bean is deployed: {@code POST /bench/api/fill/schema} creates
 * {@code BENCH_ROWS}; {@code POST /bench/api/fill/queue/<name>?count=N&size=B&tx=T} sends N
 * persistent JMS messages of B random bytes, each with the long property {@value #SEQUENCE} (0 to
 * N − 1), to the Artemis queue {@code <name>} through the in-VM connection factory, committing a
 * local JMS transaction every T messages. Returns what it did.
 */
@Path("fill")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class FillResource {
    static final String SEQUENCE = "seq";

    @Resource(lookup = "java:/ConnectionFactory")
    private ConnectionFactory connectionFactory;

    @Resource(lookup = Rows.DATASOURCE)
    private DataSource rows;

    @POST
    @Path("schema")
    public Map<String, Object> schema() throws SQLException {
        Rows.createTable(rows);
        return Map.of("table", "BENCH_ROWS");
    }

    @POST
    @Path("queue/{name}")
    public Map<String, Object> fill(@PathParam("name") String name, @QueryParam("count") long count,
                                    @QueryParam("size") int size, @QueryParam("tx") int tx) {
        long t0 = System.nanoTime();
        try (JMSContext ctx = connectionFactory.createContext(JMSContext.SESSION_TRANSACTED)) {
            Queue queue = ctx.createQueue(name);
            JMSProducer producer = ctx.createProducer();
            byte[] payload = new byte[size];
            for (long i = 0; i < count; i++) {
                ThreadLocalRandom.current().nextBytes(payload);
                BytesMessage m = ctx.createBytesMessage();
                m.writeBytes(payload);
                m.setLongProperty(SEQUENCE, i);
                producer.send(queue, m);
                if ((i + 1) % tx == 0) ctx.commit();
            }
            ctx.commit();
        } catch (jakarta.jms.JMSException e) {
            throw new IllegalStateException("Filling queue " + name + " failed", e);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("queue", name);
        m.put("sent", count);
        m.put("seconds", (System.nanoTime() - t0) / 1e9);
        return m;
    }
}
