package io.tributary.examples;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * An order that breaks a constraint of {@link Order}: 400 with the broken fields,
 * {@code {"error":"invalid order","violations":[{"field":"customer","message":"is required"}]}}.
 * More specific than the server's own mapper of validation errors, so it is the one used.
 */
@Provider
public class InvalidOrderMapper implements ExceptionMapper<ConstraintViolationException> {
    @Override
    public Response toResponse(ConstraintViolationException e) {
        List<Map<String, String>> violations = e.getConstraintViolations().stream()
                .map(v -> Map.of("field", field(v), "message", v.getMessage()))
                .sorted(Comparator.comparing(m -> m.get("field")))
                .toList();
        return Response.status(Response.Status.BAD_REQUEST).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", "invalid order", "violations", violations)).build();
    }

    /** The last property of the path: {@code customer} of {@code place.order.customer}; {@code order} for the whole order. */
    private static String field(ConstraintViolation<?> v) {
        String name = "order";
        for (Path.Node n : v.getPropertyPath()) {
            if (n.getKind() == jakarta.validation.ElementKind.PROPERTY) name = n.getName();
        }
        return name;
    }
}
