package io.tributary.examples;

import io.tributary.api.SendFailedException;
import jakarta.json.bind.JsonbException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import java.util.Map;

/**
 * Every other failure of the REST API as a JSON error, never an HTML page with a stack trace:
 * a body that is not JSON of an order (the JSON-B reader fails) is 400; the answers JAX-RS itself
 * chose (404, 405, 415, ...) keep their status; an order the cluster could not store is 503 (it was
 * not placed; the client may try again); anything else is 500 and is logged here.
 */
@Provider
public class ErrorMapper implements ExceptionMapper<Exception> {
    private static final System.Logger LOG = System.getLogger(ErrorMapper.class.getName());

    @Override
    public Response toResponse(Exception e) {
        if (has(e, JsonbException.class) || has(e, ProcessingException.class)) {
            return json(Response.Status.BAD_REQUEST, "the request body is not a JSON order");
        }
        if (e instanceof WebApplicationException w) {
            Response.StatusType status = w.getResponse().getStatusInfo();
            return json(status, status.getReasonPhrase());
        }
        SendFailedException send = cause(e, SendFailedException.class);
        if (send != null) {
            LOG.log(System.Logger.Level.WARNING, "An order could not be sent: " + send.getMessage());
            return json(Response.Status.SERVICE_UNAVAILABLE, "the order could not be stored, try again later");
        }
        LOG.log(System.Logger.Level.ERROR, "Request failed", e);
        return json(Response.Status.INTERNAL_SERVER_ERROR, "internal error");
    }

    private static Response json(Response.StatusType status, String error) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", error)).build();
    }

    private static boolean has(Throwable e, Class<? extends Throwable> type) {
        return cause(e, type) != null;
    }

    private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) return type.cast(t);
        }
        return null;
    }
}
