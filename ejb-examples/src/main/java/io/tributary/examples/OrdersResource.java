package io.tributary.examples;

import io.tributary.api.SentRecord;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ejb.EJB;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;

/**
 * {@code POST /api/orders} places an order (202 with where it was stored; 400 with a JSON error
 * for a body that is not a valid order: {@link InvalidOrderMapper}, {@link ErrorMapper});
 * {@code GET /api/orders/{id}} shows it once the MDB stored it (404 until then);
 * {@code GET /api/orders} counts the stored and the confirmed orders ({@link OrderConfirmations}). A CDI bean, so that its resources are
 * injected wherever it is packaged (also in the EAR's web module, which has no other beans).
 */
@RequestScoped
@Path("orders")
@Produces(MediaType.APPLICATION_JSON)
public class OrdersResource {
    @EJB
    OrderService orders;

    @Resource(lookup = TributaryResources.DATASOURCE)
    DataSource dataSource;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response place(@NotNull(message = "an order is required") @Valid Order order) {
        if (order.getId() == null || order.getId().isBlank()) order.setId(UUID.randomUUID().toString());
        SentRecord sent = orders.place(order);
        return Response.accepted(Map.of("id", order.getId(), "topic", sent.topic(), "partition", sent.partition(),
                "offset", sent.offset())).build();
    }

    @GET
    @Path("{id}")
    public Response stored(@PathParam("id") String id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT CUSTOMER, AMOUNT_CENTS, SOURCE_PARTITION, SOURCE_OFFSET FROM ORDERS WHERE ID = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Response.status(Response.Status.NOT_FOUND).build();
                return Response.ok(Map.of("id", id, "customer", rs.getString(1), "amountCents", rs.getLong(2),
                        "partition", rs.getInt(3), "offset", rs.getLong(4))).build();
            }
        }
    }

    @GET
    public Map<String, Long> count() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT (SELECT COUNT(*) FROM ORDERS), (SELECT COUNT(*) FROM ORDER_CONFIRMATIONS)");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return Map.of("stored", rs.getLong(1), "confirmed", rs.getLong(2));
        }
    }
}
