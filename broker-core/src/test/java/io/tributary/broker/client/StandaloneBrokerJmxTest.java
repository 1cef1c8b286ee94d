package io.tributary.broker.client;

import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka's JMX names on a standalone broker process, read over remote JMX as a JMX exporter or
 * JConsole would, with the JVM's own agent enabled by the usual {@code com.sun.management.jmxremote.*}
 * options.
 */
@Tag(SuiteTags.PROCESS)
class StandaloneBrokerJmxTest {
    @TempDir
    Path dir;

    private static int freeLoopbackPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void kafkasJmxNamesAreReadOverRemoteJmx() throws Exception {
        int port = freeLoopbackPort();
        List<String> jmx = List.of("-Dcom.sun.management.jmxremote.port=" + port,
                "-Dcom.sun.management.jmxremote.rmi.port=" + port,
                "-Dcom.sun.management.jmxremote.host=127.0.0.1",
                "-Djava.rmi.server.hostname=127.0.0.1",
                "-Dcom.sun.management.jmxremote.authenticate=false",
                "-Dcom.sun.management.jmxremote.ssl=false");
        try (BrokerProcess broker = BrokerProcess.startWithJvmOptions(dir, Map.of(), jmx)) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>("remote", "k" + i, "v" + i));
                producer.flush();
            }
            JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
            try (JMXConnector connector = JMXConnectorFactory.connect(url)) {
                MBeanServerConnection jmxServer = connector.getMBeanServerConnection();
                assertEquals(10L, jmxServer.getAttribute(new ObjectName(
                        "kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=remote"), "Count"));
                assertEquals(10L, jmxServer.getAttribute(new ObjectName(
                        "kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec"), "Count"));
                assertEquals(10L, jmxServer.getAttribute(new ObjectName(
                        "kafka.log:type=Log,name=LogEndOffset,topic=remote,partition=0"), "Value"));
                assertEquals(3L, jmxServer.getAttribute(new ObjectName("kafka.server:type=KafkaServer,name=BrokerState"), "Value"));
                assertEquals(0L, jmxServer.getAttribute(new ObjectName(
                        "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions"), "Value"));
                assertEquals(1L, jmxServer.getAttribute(new ObjectName(
                        "kafka.controller:type=KafkaController,name=ActiveControllerCount"), "Value"));
                assertTrue((Long) jmxServer.getAttribute(new ObjectName(
                        "kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce"), "Count") >= 1);
                assertTrue(!jmxServer.queryNames(new ObjectName(
                        "kafka.network:type=RequestMetrics,name=RequestsPerSec,request=Produce,*"), null).isEmpty());
            }
            assertEquals(143, broker.stop(), "exit status after SIGTERM");
            assertTrue(java.nio.file.Files.exists(dir.resolve(".clean_shutdown")), "closed cleanly, metrics included");
        }
    }
}
