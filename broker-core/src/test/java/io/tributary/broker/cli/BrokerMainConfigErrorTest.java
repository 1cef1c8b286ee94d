package io.tributary.broker.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A setting that is only found wrong when the broker starts (here a secured cluster link without a
 * key store) ends the command with "Invalid configuration", the setting's name and exit status 2,
 * as a malformed setting does.
 */
class BrokerMainConfigErrorTest {
    @TempDir
    Path dataDir;

    @Test
    void aSecuredLinkWithoutKeyStoreIsAnInvalidConfiguration() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BrokerMain.run(new String[] {"--listen", "127.0.0.1:0", "--data", dataDir.toString(),
                "--node.id=1", "--controller.quorum.voters=1@127.0.0.1:0",
                "--cluster.link.security.protocol=SSL"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, message);
        assertTrue(message.startsWith("Invalid configuration: "), message);
        assertTrue(message.contains("cluster.link.ssl.keystore.location"), message);
    }
}
