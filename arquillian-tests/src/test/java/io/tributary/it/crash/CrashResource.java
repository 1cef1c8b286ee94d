package io.tributary.it.crash;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;

/** {@code POST /api/crash-in-commit?topic=…&value=…}: see {@link CommitCrash}; answers only if the server did not halt. */
@RequestScoped
@Path("crash-in-commit")
public class CrashResource {
    @EJB
    CommitCrash crash;

    @POST
    public String crash(@QueryParam("topic") String topic, @QueryParam("value") String value) throws Exception {
        crash.sendAndCrashInCommit(topic, value);
        return "committed without a crash";
    }
}
