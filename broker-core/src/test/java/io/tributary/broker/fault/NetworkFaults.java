package io.tributary.broker.fault;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Network faults on the loopback interface, as iptables rules that drop packets silently
 * ({@code -j DROP}: no reset, no ICMP, so a peer sees a link that has gone quiet, not one that
 * was refused). Every rule lives in one dedicated chain, {@value #CHAIN}, hooked once at the top
 * of OUTPUT and of INPUT; nothing outside that chain is ever changed.
 *
 * <p>Guarantees: {@link #install} first removes whatever a crashed earlier run left of the chain,
 * then proves that a rule in it really drops loopback traffic between two addresses (a TCP
 * connect that must time out, then succeed once healed), so a fault injected later is a fault
 * that happens; {@link #heal()} removes every rule (existing TCP connections resume: their
 * packets were dropped, not refused); {@link #close()} unhooks and deletes the chain and is safe
 * to call more than once, so cleanup after any failure leaves the host's firewall as it was.
 *
 * <p>Drop rules match on source and destination address, so they cut node-to-node traffic only
 * if each node's outgoing sockets are bound to its own address ({@link LoopbackCluster} checks
 * this with {@code ss}). Not thread-safe: one test drives it.
 */
public final class NetworkFaults implements AutoCloseable {
    public static final String CHAIN = "TRIBUTARY_FAULTS";
    /** Waits up to this many seconds for the xtables lock, which another iptables user may hold. */
    private static final String LOCK_WAIT = "5";

    private final String iptables;
    private final List<String> active = new ArrayList<>();
    private boolean closed;

    private NetworkFaults(String iptables) {
        this.iptables = iptables;
    }

    /**
     * Why network faults cannot be injected here (not root, no iptables binary, iptables not
     * usable), or empty if they can.
     */
    public static Optional<String> unavailableReason(String iptables) {
        try {
            Result id = run(List.of("id", "-u"));
            if (id.exit != 0 || !id.output.trim().equals("0")) {
                return Optional.of("not running as root (id -u: " + id.output.trim() + ")");
            }
            Result list = run(List.of(iptables, "-w", LOCK_WAIT, "-S", "OUTPUT"));
            if (list.exit != 0) {
                return Optional.of("'" + iptables + " -S OUTPUT' failed with exit code " + list.exit + ": "
                        + list.output.trim());
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot run " + iptables + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while probing " + iptables);
        }
    }

    /**
     * Creates the chain (after removing any leftover of it), hooks it into OUTPUT and INPUT and
     * checks that a drop rule between {@code probeFrom} and {@code probeTo} stops a TCP connect.
     */
    public static NetworkFaults install(String iptables, String probeFrom, String probeTo)
            throws IOException, InterruptedException {
        NetworkFaults faults = new NetworkFaults(iptables);
        faults.removeChain();
        try {
            faults.iptables("-N", CHAIN);
            faults.iptables("-I", "OUTPUT", "1", "-j", CHAIN);
            faults.iptables("-I", "INPUT", "1", "-j", CHAIN);
            faults.proveDropWorks(probeFrom, probeTo);
            return faults;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            faults.close();
            throw e;
        }
    }

    private void proveDropWorks(String from, String to) throws IOException, InterruptedException {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName(to), 0));
            int port = server.getLocalPort();
            if (!connects(from, to, port, 2000)) {
                throw new IllegalStateException("cannot connect from " + from + " to " + to + ":" + port
                        + " even without drop rules; is loopback up?");
            }
            dropBetween(from, to);
            boolean leaked = connects(from, to, port, 700);
            heal();
            if (leaked) {
                throw new IllegalStateException(iptables + " rules in chain " + CHAIN + " do not drop loopback traffic "
                        + "from " + from + " to " + to + " (a TCP connect went through); try -Dfault.iptables="
                        + (iptables.endsWith("legacy") ? "iptables-nft" : "iptables-legacy"));
            }
            if (!connects(from, to, port, 2000)) {
                throw new IllegalStateException("after flushing " + CHAIN + ", " + from + " still cannot connect to "
                        + to + ":" + port);
            }
        }
    }

    private static boolean connects(String from, String to, int port, int timeoutMs) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            s.connect(new InetSocketAddress(InetAddress.getByName(to), port), timeoutMs);
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** Drops every packet between hosts {@code a} and {@code b}, both directions, all ports. */
    public void dropBetween(String a, String b) throws IOException, InterruptedException {
        append("-s", a, "-d", b, "-j", "DROP");
        append("-s", b, "-d", a, "-j", "DROP");
    }

    /**
     * Drops the TCP traffic between {@code clientHost} and port {@code port} of {@code nodeHost},
     * both directions; other traffic of the node (its links to other nodes) is untouched.
     */
    public void dropClients(String clientHost, String nodeHost, int port) throws IOException, InterruptedException {
        append("-s", clientHost, "-d", nodeHost, "-p", "tcp", "--dport", String.valueOf(port), "-j", "DROP");
        append("-s", nodeHost, "-d", clientHost, "-p", "tcp", "--sport", String.valueOf(port), "-j", "DROP");
    }

    private void append(String... rule) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("-A", CHAIN));
        args.addAll(List.of(rule));
        iptables(args.toArray(String[]::new));
        active.add(String.join(" ", rule));
    }

    /** The rules in force now, as given to iptables (for logs and failure messages). */
    public List<String> activeRules() {
        return List.copyOf(active);
    }

    /** Removes every rule: all traffic flows again. */
    public void heal() throws IOException, InterruptedException {
        iptables("-F", CHAIN);
        active.clear();
    }

    /** Unhooks and deletes the chain; idempotent, and also removes a leftover of a crashed run. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (closed) return;
        closed = true;
        removeChain();
    }

    /** Best effort and idempotent: every step may find nothing to remove. */
    private void removeChain() throws IOException, InterruptedException {
        for (String hook : List.of("OUTPUT", "INPUT")) {
            for (int i = 0; i < 20; i++) {
                if (run(List.of(iptables, "-w", LOCK_WAIT, "-D", hook, "-j", CHAIN)).exit != 0) break;
            }
        }
        run(List.of(iptables, "-w", LOCK_WAIT, "-F", CHAIN));
        run(List.of(iptables, "-w", LOCK_WAIT, "-X", CHAIN));
        active.clear();
        Result left = run(List.of(iptables, "-w", LOCK_WAIT, "-S", CHAIN));
        if (left.exit == 0) {
            throw new IllegalStateException("could not remove iptables chain " + CHAIN + "; remove it by hand:\n"
                    + "  " + iptables + " -D OUTPUT -j " + CHAIN + "; " + iptables + " -D INPUT -j " + CHAIN + "; "
                    + iptables + " -F " + CHAIN + "; " + iptables + " -X " + CHAIN + "\nit holds:\n" + left.output);
        }
    }

    private void iptables(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(iptables, "-w", LOCK_WAIT));
        command.addAll(List.of(args));
        Result r = run(command);
        if (r.exit != 0) {
            throw new IllegalStateException("'" + String.join(" ", command) + "' failed with exit code " + r.exit
                    + ": " + r.output.trim());
        }
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("'" + String.join(" ", command) + "' did not finish within 30 s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
