package io.tributary.it.client;

import org.h2.tools.Server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A database server the test can stop and start again: an H2 TCP server in the test's JVM, on
 * 127.0.0.1 and a fixed port, keeping its files in a directory of its own, so that a restart on the
 * same port finds the same data. Not thread-safe: one test thread drives it.
 */
public final class OutageDatabase {
    private static final String HOST = "127.0.0.1";
    private final int port;
    private final Path dir;
    private final String user;
    private final String password;
    private Server server;

    public OutageDatabase(int port, Path dir, String user, String password) {
        this.port = port;
        this.dir = dir;
        this.user = user;
        this.password = password;
    }

    /** Starts the server (the first time on an empty directory: {@code -ifNotExists} lets the first connection create the database). */
    public void start() throws SQLException, IOException {
        // Read when H2's SysProperties class loads: the server listens on loopback only.
        System.setProperty("h2.bindAddress", HOST);
        Files.createDirectories(dir);
        SQLException last = null;
        // The port of the stopped server may take a moment to be free again.
        for (int i = 0; i < 50; i++) {
            try {
                server = Server.createTcpServer("-tcpPort", Integer.toString(port), "-baseDir", dir.toAbsolutePath().toString(),
                        "-ifNotExists").start();
                return;
            } catch (SQLException e) {
                last = e;
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
        throw last;
    }

    /** Stops the server: its listening socket and every open connection close at once, as when a database server goes down. */
    public void stop() {
        if (server != null) server.stop();
        server = null;
    }

    public void execute(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The values of the first column of {@code sql}'s rows. */
    public Set<String> strings(String sql) throws SQLException {
        Set<String> out = new HashSet<>();
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    /** The first column of {@code sql}'s single row. */
    public long count(String sql) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The offset rows of {@code group} and {@code topic} in the adapter's table: partition → next offset. */
    public Map<Integer, Long> offsetRows(String group, String topic) throws SQLException {
        Map<Integer, Long> out = new HashMap<>();
        try (Connection c = connect();
             PreparedStatement ps = c.prepareStatement("SELECT PARTITION_ID, NEXT_OFFSET FROM TRIBUTARY_OFFSETS WHERE GROUP_ID = ? AND TOPIC = ?")) {
            ps.setString(1, group);
            ps.setString(2, topic);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getInt(1), rs.getLong(2));
            }
        }
        return out;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:h2:tcp://" + HOST + ":" + port + "/outage", user, password);
    }
}
