package io.tributary.broker.fault;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Parsing {@code ss} addresses, on which the check that partitions can cut node links depends. */
class LoopbackClusterTest {
    @Test
    void ipv4MappedAddressesOfDualStackJavaSocketsAreReadAsTheirIpv4Host() {
        assertEquals("127.0.0.12", LoopbackCluster.host("[::ffff:127.0.0.12]:24100"));
        assertEquals("127.0.0.1", LoopbackCluster.host("127.0.0.1:53567"));
        assertEquals("::1", LoopbackCluster.host("[::1]:9092"));
    }
}
