package io.tributary.broker.cluster;

import io.tributary.broker.security.ScramCredentialChange;
import io.tributary.broker.security.ScramCredentials;
import io.tributary.broker.security.StoredScramCredential;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The quorum's log entries and snapshots keep every listener of a broker and the SCRAM
 * credentials, and a broker registration written before listeners were registered (one address)
 * is still read, as a single PLAINTEXT listener.
 */
class MetadataCodecTest {
    private static final BrokerRegistration TWO_LISTENERS = new BrokerRegistration(2, "10.0.0.2", 9092, List.of(
            new BrokerRegistration.Endpoint("INTERNAL", "10.0.0.2", 9092),
            new BrokerRegistration.Endpoint("EXTERNAL", "broker2.example.com", 9093)));

    @Test
    void aRegistrationKeepsEveryListenerAndAnOldOneReadsAsPlaintext() throws Exception {
        byte[] bytes = MetadataCodec.encode(new MetadataCommand.RegisterBroker(TWO_LISTENERS));
        MetadataCommand.RegisterBroker back = (MetadataCommand.RegisterBroker) MetadataCodec.decode(bytes, 0, bytes.length);
        assertEquals(TWO_LISTENERS, back.broker());
        assertEquals("broker2.example.com", back.broker().endpoint("EXTERNAL").orElseThrow().host());

        ByteArrayOutputStream old = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(old)) {
            out.writeByte(1); // format
            out.writeByte(1); // REGISTER_BROKER, as written before listeners were registered
            out.writeInt(3);
            out.writeUTF("10.0.0.3");
            out.writeInt(9092);
        }
        byte[] oldBytes = old.toByteArray();
        BrokerRegistration oldBroker = ((MetadataCommand.RegisterBroker) MetadataCodec.decode(oldBytes, 0, oldBytes.length)).broker();
        assertEquals(new BrokerRegistration(3, "10.0.0.3", 9092), oldBroker);
        assertEquals(9092, oldBroker.endpoint("PLAINTEXT").orElseThrow().port());
    }

    @Test
    void scramChangesAndSnapshotsRoundTrip() throws Exception {
        StoredScramCredential alice = ScramCredentials.fromPassword(ScramMechanism.SCRAM_SHA_512, "alice-secret", 4096);
        MetadataCommand.ChangeScramCredentials change = new MetadataCommand.ChangeScramCredentials(List.of(
                new ScramCredentialChange("alice", ScramMechanism.SCRAM_SHA_512, alice),
                new ScramCredentialChange("bob", ScramMechanism.SCRAM_SHA_256, null)));
        byte[] bytes = MetadataCodec.encode(change);
        assertEquals(change, MetadataCodec.decode(bytes, 0, bytes.length));

        ClusterImage image = new ClusterImage(7, Map.of(2, TWO_LISTENERS), Set.of(), Map.of(),
                Map.of("alice", Map.of(ScramMechanism.SCRAM_SHA_512, alice)), Set.of());
        ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(snapshot)) {
            MetadataCodec.writeImage(out, image);
        }
        ClusterImage read = MetadataCodec.readImage(new DataInputStream(new ByteArrayInputStream(snapshot.toByteArray())));
        assertEquals(image.brokers(), read.brokers());
        assertEquals(image.scramCredentials(), read.scramCredentials());
    }
}
