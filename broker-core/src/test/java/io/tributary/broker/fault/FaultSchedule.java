package io.tributary.broker.fault;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The list of faults of a run, generated from a seed: the same seed, profile, node count,
 * partition count and failure detection time give the same list, so a failing run is replayed
 * with {@code -Dfault.seed=...}. Every kind appears {@code count / kinds} times (so a short run
 * still covers them all, twice); the rest of the count is drawn at random; the order is shuffled.
 *
 * <p>Hold times scale with the failure detection time {@code fd}: a pause or a partition lasts
 * longer than {@code fd}, so the failure detector has to act; a killed node stays down 1 to 4 s.
 */
public final class FaultSchedule {
    /** How many faults a run injects. */
    public enum Profile {
        /** 8 faults, every kind once: part of the normal test run. */
        SHORT(8),
        /** At least 100 faults, on demand ({@code -Dfault.profile=long}, {@code bench/faults.sh}). */
        LONG(104);

        private final int faults;

        Profile(int faults) {
            this.faults = faults;
        }

        public int faults() {
            return faults;
        }

        public static Profile parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown fault profile '" + name + "'; expected short or long");
            }
        }
    }

    private FaultSchedule() {
    }

    /**
     * @param count how many faults (usually {@link Profile#faults()})
     * @param fdMs  the cluster's failure detection timeout
     */
    public static List<Fault> generate(long seed, int count, int nodes, int partitions, long fdMs) {
        if (nodes != 3) throw new IllegalArgumentException("the fault kinds are written for 3 nodes, not " + nodes);
        Random random = new Random(seed);
        FaultKind[] kinds = FaultKind.values();
        List<FaultKind> drawn = new ArrayList<>();
        for (int round = 0; round < count / kinds.length; round++) drawn.addAll(List.of(kinds));
        while (drawn.size() < count) drawn.add(kinds[random.nextInt(kinds.length)]);
        Collections.shuffle(drawn, random);
        List<Fault> faults = new ArrayList<>();
        for (FaultKind kind : drawn) faults.add(fault(faults.size() + 1, kind, random, nodes, partitions, fdMs));
        return faults;
    }

    private static Fault fault(int number, FaultKind kind, Random random, int nodes, int partitions, long fdMs) {
        int node = 1 + random.nextInt(nodes);
        int other = 1 + (node - 1 + 1 + random.nextInt(nodes - 1)) % nodes;
        List<Integer> pair = List.of(Math.min(node, other), Math.max(node, other));
        List<Integer> all = new ArrayList<>();
        for (int id = 1; id <= nodes; id++) all.add(id);
        return switch (kind) {
            case KILL_RANDOM_NODE -> new Fault(number, kind, List.of(node), -1, 1000 + random.nextInt(3000));
            case KILL_PARTITION_LEADER -> new Fault(number, kind, List.of(), random.nextInt(partitions),
                    1000 + random.nextInt(3000));
            case KILL_TWO_NODES -> new Fault(number, kind, pair, -1, 1000 + random.nextInt(3000));
            case PAUSE_NODE -> new Fault(number, kind, List.of(node), -1, fdMs + 500 + random.nextInt(2500));
            case ISOLATE_NODE -> new Fault(number, kind, List.of(node), -1, fdMs + 1000 + random.nextInt(3000));
            case BRIDGE -> new Fault(number, kind, pair, -1, fdMs + 1000 + random.nextInt(3000));
            case CUT_CLIENTS -> new Fault(number, kind, List.of(node), -1, 2000 + random.nextInt(4000));
            case PARTITION_ALL -> new Fault(number, kind, all, -1, fdMs + 1000 + random.nextInt(3000));
        };
    }
}
