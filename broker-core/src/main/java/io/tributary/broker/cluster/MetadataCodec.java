package io.tributary.broker.cluster;

import io.tributary.broker.quota.ClientQuotaChange;
import io.tributary.broker.quota.ClientQuotaConfigs;
import io.tributary.broker.quota.QuotaEntity;
import io.tributary.broker.quota.QuotaType;
import io.tributary.broker.security.ScramCredentialChange;
import io.tributary.broker.security.StoredScramCredential;
import org.apache.kafka.clients.admin.ScramMechanism;
import io.tributary.broker.security.AclCodec;
import org.apache.kafka.common.Uuid;

import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary form of {@link MetadataCommand}s (quorum log entries) and {@link ClusterImage}s
 * (quorum snapshots). Every entry starts with a version byte so the format can evolve. Stateless.
 */
public final class MetadataCodec {
    private static final byte FORMAT = 1;
    private static final byte REGISTER_BROKER = 1;
    private static final byte CREATE_TOPIC = 2;
    private static final byte DELETE_TOPIC = 3;
    private static final byte ADD_PARTITIONS = 4;
    private static final byte SET_TOPIC_CONFIGS = 5;
    private static final byte CHANGE_PARTITION = 6;
    private static final byte NOOP = 7;
    private static final byte BEGIN_SHUTDOWN = 8;
    private static final byte CHANGE_SCRAM_CREDENTIALS = 9;
    private static final byte CREATE_ACLS = 10;
    private static final byte DELETE_ACLS = 11;
    private static final byte CHANGE_CLIENT_QUOTAS = 12;
    private static final byte ALTER_BROKER_CONFIGS = 13;
    /**
     * Snapshots of format 2 add the brokers in controlled shutdown, format 3 every listener of each
     * broker, the SCRAM credentials and the ACL bindings ({@link AclCodec}), format 4 the client
     * quotas and the dynamic broker configs; older formats are still read.
     */
    private static final byte IMAGE_FORMAT = 4;

    private MetadataCodec() {
    }

    public static byte[] encode(MetadataCommand command) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            if (command instanceof MetadataCommand.Noop) {
                out.writeByte(NOOP);
            } else if (command instanceof MetadataCommand.RegisterBroker c) {
                out.writeByte(REGISTER_BROKER);
                writeBroker(out, c.broker());
            } else if (command instanceof MetadataCommand.BeginShutdown c) {
                out.writeByte(BEGIN_SHUTDOWN);
                out.writeInt(c.nodeId());
            } else if (command instanceof MetadataCommand.CreateTopic c) {
                out.writeByte(CREATE_TOPIC);
                writeTopic(out, c.topic());
            } else if (command instanceof MetadataCommand.DeleteTopic c) {
                out.writeByte(DELETE_TOPIC);
                out.writeUTF(c.name());
            } else if (command instanceof MetadataCommand.AddPartitions c) {
                out.writeByte(ADD_PARTITIONS);
                out.writeUTF(c.name());
                writePartitions(out, c.added());
            } else if (command instanceof MetadataCommand.SetTopicConfigs c) {
                out.writeByte(SET_TOPIC_CONFIGS);
                out.writeUTF(c.name());
                writeMap(out, c.configs());
            } else if (command instanceof MetadataCommand.ChangePartition c) {
                out.writeByte(CHANGE_PARTITION);
                out.writeUTF(c.topic());
                out.writeInt(c.partition());
                out.writeInt(c.expectedPartitionEpoch());
                out.writeInt(c.leader());
                writeInts(out, c.isr());
            } else if (command instanceof MetadataCommand.ChangeScramCredentials c) {
                out.writeByte(CHANGE_SCRAM_CREDENTIALS);
                out.writeInt(c.changes().size());
                for (ScramCredentialChange change : c.changes()) {
                    out.writeUTF(change.user());
                    out.writeByte(change.mechanism().type());
                    out.writeBoolean(change.deletes());
                    if (!change.deletes()) writeScramCredential(out, change.credential());
                }
            } else if (command instanceof MetadataCommand.CreateAcls c) {
                out.writeByte(CREATE_ACLS);
                AclCodec.write(out, c.acls());
            } else if (command instanceof MetadataCommand.DeleteAcls c) {
                out.writeByte(DELETE_ACLS);
                AclCodec.write(out, c.acls());
            } else if (command instanceof MetadataCommand.ChangeClientQuotas c) {
                out.writeByte(CHANGE_CLIENT_QUOTAS);
                out.writeInt(c.changes().size());
                for (ClientQuotaChange change : c.changes()) {
                    writeQuotaEntity(out, change.entity());
                    out.writeUTF(change.type().key());
                    out.writeBoolean(change.removes());
                    if (!change.removes()) out.writeDouble(change.value());
                }
            } else if (command instanceof MetadataCommand.AlterBrokerConfigs c) {
                out.writeByte(ALTER_BROKER_CONFIGS);
                out.writeUTF(c.resource());
                writeMap(out, new java.util.TreeMap<>(c.set()));
                out.writeInt(c.removed().size());
                for (String name : c.removed()) out.writeUTF(name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static MetadataCommand decode(byte[] buf, int offset, int length) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(buf, offset, length));
        byte format = in.readByte();
        if (format != FORMAT) throw new IOException("Unknown metadata command format " + format);
        byte type = in.readByte();
        return switch (type) {
            case NOOP -> new MetadataCommand.Noop();
            case REGISTER_BROKER -> new MetadataCommand.RegisterBroker(readRegisteredBroker(in));
            case BEGIN_SHUTDOWN -> new MetadataCommand.BeginShutdown(in.readInt());
            case CREATE_TOPIC -> new MetadataCommand.CreateTopic(readTopic(in));
            case DELETE_TOPIC -> new MetadataCommand.DeleteTopic(in.readUTF());
            case ADD_PARTITIONS -> new MetadataCommand.AddPartitions(in.readUTF(), readPartitions(in));
            case SET_TOPIC_CONFIGS -> new MetadataCommand.SetTopicConfigs(in.readUTF(), readMap(in));
            case CHANGE_PARTITION -> new MetadataCommand.ChangePartition(in.readUTF(), in.readInt(), in.readInt(),
                    in.readInt(), readInts(in));
            case CHANGE_SCRAM_CREDENTIALS -> {
                int n = in.readInt();
                List<ScramCredentialChange> changes = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    String user = in.readUTF();
                    ScramMechanism mechanism = readMechanism(in);
                    changes.add(new ScramCredentialChange(user, mechanism, in.readBoolean() ? null : readScramCredential(in)));
                }
                yield new MetadataCommand.ChangeScramCredentials(changes);
            }
            case CREATE_ACLS -> new MetadataCommand.CreateAcls(AclCodec.read(in));
            case DELETE_ACLS -> new MetadataCommand.DeleteAcls(AclCodec.read(in));
            case CHANGE_CLIENT_QUOTAS -> {
                int n = in.readInt();
                List<ClientQuotaChange> changes = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    QuotaEntity entity = readQuotaEntity(in);
                    QuotaType quotaType = readQuotaType(in);
                    changes.add(new ClientQuotaChange(entity, quotaType, in.readBoolean() ? null : in.readDouble()));
                }
                yield new MetadataCommand.ChangeClientQuotas(changes);
            }
            case ALTER_BROKER_CONFIGS -> {
                String resource = in.readUTF();
                Map<String, String> set = readMap(in);
                int n = in.readInt();
                List<String> removed = new ArrayList<>(n);
                for (int i = 0; i < n; i++) removed.add(in.readUTF());
                yield new MetadataCommand.AlterBrokerConfigs(resource, set, removed);
            }
            default -> throw new IOException("Unknown metadata command type " + type);
        };
    }

    public static void writeImage(DataOutput out, ClusterImage image) throws IOException {
        out.writeByte(IMAGE_FORMAT);
        out.writeLong(image.version());
        out.writeInt(image.brokers().size());
        for (BrokerRegistration b : image.brokers().values()) writeBroker(out, b);
        writeInts(out, List.copyOf(image.shuttingDown()));
        out.writeInt(image.topics().size());
        for (TopicImage t : image.topics().values()) writeTopic(out, t);
        out.writeInt(image.scramCredentials().size());
        for (Map.Entry<String, Map<ScramMechanism, StoredScramCredential>> user : image.scramCredentials().entrySet()) {
            out.writeUTF(user.getKey());
            out.writeInt(user.getValue().size());
            for (Map.Entry<ScramMechanism, StoredScramCredential> c : user.getValue().entrySet()) {
                out.writeByte(c.getKey().type());
                writeScramCredential(out, c.getValue());
            }
        }
        AclCodec.write(out, image.acls());
        Map<QuotaEntity, Map<QuotaType, Double>> quotas = image.clientQuotas().entities();
        out.writeInt(quotas.size());
        for (Map.Entry<QuotaEntity, Map<QuotaType, Double>> e : quotas.entrySet()) {
            writeQuotaEntity(out, e.getKey());
            out.writeInt(e.getValue().size());
            for (Map.Entry<QuotaType, Double> q : e.getValue().entrySet()) {
                out.writeUTF(q.getKey().key());
                out.writeDouble(q.getValue());
            }
        }
        out.writeInt(image.brokerConfigs().size());
        for (Map.Entry<String, Map<String, String>> e : image.brokerConfigs().entrySet()) {
            out.writeUTF(e.getKey());
            writeMap(out, new java.util.TreeMap<>(e.getValue()));
        }
    }

    /** Each component: absent (0), the default (1) or a name (2, then the name). */
    private static void writeQuotaEntity(DataOutput out, QuotaEntity entity) throws IOException {
        for (QuotaEntity.Name name : new QuotaEntity.Name[]{entity.user(), entity.clientId()}) {
            if (name == null) {
                out.writeByte(0);
            } else if (name.isDefault()) {
                out.writeByte(1);
            } else {
                out.writeByte(2);
                out.writeUTF(name.value());
            }
        }
    }

    private static QuotaEntity readQuotaEntity(DataInput in) throws IOException {
        QuotaEntity.Name[] names = new QuotaEntity.Name[2];
        for (int i = 0; i < 2; i++) {
            byte kind = in.readByte();
            names[i] = switch (kind) {
                case 0 -> null;
                case 1 -> QuotaEntity.Name.DEFAULT;
                case 2 -> new QuotaEntity.Name(in.readUTF());
                default -> throw new IOException("Unknown quota entity component kind " + kind);
            };
        }
        return new QuotaEntity(names[0], names[1]);
    }

    private static QuotaType readQuotaType(DataInput in) throws IOException {
        String key = in.readUTF();
        QuotaType type = QuotaType.forKey(key);
        if (type == null) throw new IOException("Unknown client quota key " + key);
        return type;
    }

    private static void writeScramCredential(DataOutput out, StoredScramCredential c) throws IOException {
        writeBytes(out, c.salt());
        writeBytes(out, c.storedKey());
        writeBytes(out, c.serverKey());
        out.writeInt(c.iterations());
    }

    private static StoredScramCredential readScramCredential(DataInput in) throws IOException {
        return new StoredScramCredential(readBytes(in), readBytes(in), readBytes(in), in.readInt());
    }

    private static ScramMechanism readMechanism(DataInput in) throws IOException {
        byte type = in.readByte();
        ScramMechanism mechanism = ScramMechanism.fromType(type);
        if (mechanism == ScramMechanism.UNKNOWN) throw new IOException("Unknown SCRAM mechanism type " + type);
        return mechanism;
    }

    private static void writeBytes(DataOutput out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(DataInput in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return bytes;
    }

    public static ClusterImage readImage(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format < 1 || format > IMAGE_FORMAT) throw new IOException("Unknown metadata snapshot format " + format);
        long version = in.readLong();
        Map<Integer, BrokerRegistration> brokers = new java.util.TreeMap<>();
        int nb = in.readInt();
        for (int i = 0; i < nb; i++) {
            BrokerRegistration b = readBroker(in, format >= 3);
            brokers.put(b.nodeId(), b);
        }
        java.util.Set<Integer> shuttingDown = format == 1 ? java.util.Set.of() : new java.util.TreeSet<>(readInts(in));
        Map<String, TopicImage> topics = new java.util.TreeMap<>();
        int nt = in.readInt();
        for (int i = 0; i < nt; i++) {
            TopicImage t = readTopic(in);
            topics.put(t.name(), t);
        }
        Map<String, Map<ScramMechanism, StoredScramCredential>> scram = new java.util.TreeMap<>();
        if (format >= 3) {
            int nu = in.readInt();
            for (int i = 0; i < nu; i++) {
                String user = in.readUTF();
                int nc = in.readInt();
                Map<ScramMechanism, StoredScramCredential> credentials = new java.util.EnumMap<>(ScramMechanism.class);
                for (int j = 0; j < nc; j++) credentials.put(readMechanism(in), readScramCredential(in));
                scram.put(user, credentials);
            }
        }
        java.util.Set<org.apache.kafka.common.acl.AclBinding> acls = format < 3 ? java.util.Set.of()
                : new java.util.LinkedHashSet<>(AclCodec.read(in));
        List<ClientQuotaChange> quotas = new ArrayList<>();
        if (format >= 4) {
            int ne = in.readInt();
            for (int i = 0; i < ne; i++) {
                QuotaEntity entity = readQuotaEntity(in);
                int nq = in.readInt();
                for (int j = 0; j < nq; j++) quotas.add(new ClientQuotaChange(entity, readQuotaType(in), in.readDouble()));
            }
        }
        Map<String, Map<String, String>> brokerConfigs = new java.util.TreeMap<>();
        if (format >= 4) {
            int nr = in.readInt();
            for (int i = 0; i < nr; i++) brokerConfigs.put(in.readUTF(), readMap(in));
        }
        return new ClusterImage(version, brokers, shuttingDown, topics, scram, acls,
                ClientQuotaConfigs.EMPTY.applied(quotas), brokerConfigs);
    }

    /** The node id and inter-broker address, then (since listeners are registered) every listener. */
    private static void writeBroker(DataOutput out, BrokerRegistration b) throws IOException {
        out.writeInt(b.nodeId());
        out.writeUTF(b.host());
        out.writeInt(b.port());
        out.writeInt(b.endpoints().size());
        for (BrokerRegistration.Endpoint e : b.endpoints()) {
            out.writeUTF(e.listenerName());
            out.writeUTF(e.host());
            out.writeInt(e.port());
        }
    }

    /** A RegisterBroker entry: its listeners follow unless it was written before listeners were registered. */
    private static BrokerRegistration readRegisteredBroker(DataInputStream in) throws IOException {
        BrokerRegistration base = readBroker(in, false);
        if (in.available() == 0) return base;
        int n = in.readInt();
        List<BrokerRegistration.Endpoint> endpoints = new ArrayList<>(n);
        for (int i = 0; i < n; i++) endpoints.add(new BrokerRegistration.Endpoint(in.readUTF(), in.readUTF(), in.readInt()));
        return new BrokerRegistration(base.nodeId(), base.host(), base.port(), endpoints);
    }

    /** @param withEndpoints false for a registration written before listeners were registered */
    private static BrokerRegistration readBroker(DataInput in, boolean withEndpoints) throws IOException {
        int nodeId = in.readInt();
        String host = in.readUTF();
        int port = in.readInt();
        if (!withEndpoints) return new BrokerRegistration(nodeId, host, port);
        int n = in.readInt();
        List<BrokerRegistration.Endpoint> endpoints = new ArrayList<>(n);
        for (int i = 0; i < n; i++) endpoints.add(new BrokerRegistration.Endpoint(in.readUTF(), in.readUTF(), in.readInt()));
        return new BrokerRegistration(nodeId, host, port, endpoints);
    }

    private static void writeTopic(DataOutput out, TopicImage t) throws IOException {
        out.writeUTF(t.name());
        out.writeLong(t.topicId().getMostSignificantBits());
        out.writeLong(t.topicId().getLeastSignificantBits());
        writeMap(out, t.configs());
        writePartitions(out, t.partitions());
    }

    private static TopicImage readTopic(DataInput in) throws IOException {
        String name = in.readUTF();
        Uuid id = new Uuid(in.readLong(), in.readLong());
        return new TopicImage(name, id, readMap(in), readPartitions(in));
    }

    private static void writePartitions(DataOutput out, List<PartitionRegistration> partitions) throws IOException {
        out.writeInt(partitions.size());
        for (PartitionRegistration p : partitions) {
            writeInts(out, p.replicas());
            writeInts(out, p.isr());
            out.writeInt(p.leader());
            out.writeInt(p.leaderEpoch());
            out.writeInt(p.partitionEpoch());
        }
    }

    private static List<PartitionRegistration> readPartitions(DataInput in) throws IOException {
        int n = in.readInt();
        List<PartitionRegistration> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(new PartitionRegistration(readInts(in), readInts(in), in.readInt(), in.readInt(), in.readInt()));
        }
        return list;
    }

    private static void writeInts(DataOutput out, List<Integer> ints) throws IOException {
        out.writeInt(ints.size());
        for (int i : ints) out.writeInt(i);
    }

    private static List<Integer> readInts(DataInput in) throws IOException {
        int n = in.readInt();
        List<Integer> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) list.add(in.readInt());
        return list;
    }

    private static void writeMap(DataOutput out, Map<String, String> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
    }

    private static Map<String, String> readMap(DataInput in) throws IOException {
        int n = in.readInt();
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) map.put(in.readUTF(), in.readUTF());
        return map;
    }
}
