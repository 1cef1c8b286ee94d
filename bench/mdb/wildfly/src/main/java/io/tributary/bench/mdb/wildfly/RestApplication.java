package io.tributary.bench.mdb.wildfly;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** JAX-RS under {@code /bench/api}. */
@ApplicationPath("api")
public class RestApplication extends Application {
}
