/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <search.h>

#include "error.h"
#include "fileio.h"
#include "log.h"
#include "options.h"
#include "siphash24.h"
#include "state.h"
#include "userns.h"

/* systemd-nspawn's key for deriving a UID base from the machine name. */
static const uint8_t uid_hash_key[16] = {
        0xe1, 0x56, 0xe0, 0xf0, 0x4a, 0xf0, 0x41, 0xaf,
        0x96, 0x41, 0xcf, 0x41, 0x33, 0x94, 0xff, 0x72,
};

/* As nspawn 252's uid_shift_pick(): the modulo applies to every value, also
 * one already inside the window (folding only values outside it gave bases
 * 0x80000 below nspawn's). */
uid_t uid_candidate_fold(uint32_t value) {
        return ((value % (CONTAINER_UID_BASE_MAX - CONTAINER_UID_BASE_MIN)) + CONTAINER_UID_BASE_MIN) & 0xFFFF0000U;
}

uid_t uid_candidate_from_name(const char *machine) {
        return uid_candidate_fold((uint32_t) siphash24(machine, strlen(machine), uid_hash_key));
}

bool uid_ranges_overlap(uid_t a, uid_t a_size, uid_t b, uid_t b_size) {
        /* In 64 bits: a range may end at 2^32. */
        return a_size && b_size && (uint64_t) a < (uint64_t) b + b_size && (uint64_t) b < (uint64_t) a + a_size;
}

bool subid_line_overlaps(const char *line, uid_t base, uid_t size, char *owner, size_t owner_size) {
        const char *c1 = strchr(line, ':'), *c2;
        char *end;
        unsigned long long start, count;

        if (!c1 || line[0] == '#' || !(c2 = strchr(c1 + 1, ':')))
                return false;
        errno = 0;
        start = strtoull(c1 + 1, &end, 10);
        if (errno || end != c2 || end == c1 + 1)
                return false;
        count = strtoull(c2 + 1, &end, 10);
        if (errno || end == c2 + 1 || (*end && *end != '\n') || start > UINT32_MAX || count == 0)
                return false;
        if ((uint64_t) base >= start + count || start >= (uint64_t) base + size)
                return false;
        snprintf(owner, owner_size, "%.*s", (int) (c1 - line), line);
        return true;
}

/* The first entry of /etc/passwd or /etc/group (id in field 3) or of
 * /etc/subuid or /etc/subgid (NAME:START:COUNT) that meets [base,
 * base+size): "user NAME in /etc/passwd" in what. Lines are read whole
 * (getline): a long /etc/group line must not be split into fake entries. */
static bool file_meets_range(const char *path, bool subid, uid_t base, uid_t size, char *what, size_t what_size) {
        _cleanup_free_ char *line = NULL;
        size_t n = 0;
        bool found = false;
        FILE *f = fopen(path, "re");

        if (!f)
                return false;
        while (!found && getline(&line, &n, f) >= 0) {
                char owner[256];
                if (subid) {
                        found = subid_line_overlaps(line, base, size, owner, sizeof(owner));
                        if (found)
                                snprintf(what, what_size, "the range of %s in %s", owner, path);
                        continue;
                }
                char *p = strchr(line, ':');
                if (p && (p = strchr(p + 1, ':'))) {
                        char *end;
                        unsigned long long id;
                        errno = 0;
                        id = strtoull(p + 1, &end, 10);
                        found = !errno && end != p + 1 && *end == ':' && id >= base && id - base < size;
                        if (found)
                                snprintf(what, what_size, "id %llu (%.*s) in %s", id, (int) strcspn(line, ":"), line, path);
                }
        }
        fclose(f);
        return found;
}

/* Whether /etc/nsswitch.conf names, for passwd or group, a source other
 * than the local files (files, compat) and systemd's: only then are NSS
 * modules worth loading. Without the file, glibc's default is files. */
static bool nss_has_other_sources(void) {
        _cleanup_free_ char *line = NULL;
        size_t n = 0;
        bool other = false;
        FILE *f = fopen("/etc/nsswitch.conf", "re");

        if (!f)
                return false;
        while (!other && getline(&line, &n, f) >= 0) {
                char *save = NULL, *w;
                line[strcspn(line, "#")] = 0;
                w = strtok_r(line, " \t\n", &save);
                if (!w || (!streq(w, "passwd:") && !streq(w, "group:")))
                        continue;
                while (!other && (w = strtok_r(NULL, " \t\n", &save)))
                        other = w[0] != '[' && !streq(w, "files") && !streq(w, "compat") && !streq(w, "systemd");
        }
        fclose(f);
        return other;
}

/* The ID ranges this process's user namespace maps (column 1 of
 * /proc/self/{uid,gid}_map: IDs of our own namespace, which is what the
 * maps we write for a child are made of). Nested (LXD, rootless podman,
 * a CI container, nixbox in nixbox), only part of the ID space is there,
 * and writing a map that names an unmapped ID fails with EPERM. */
#define ID_MAP_MAX 340          /* the kernel's limit of lines in a map */
struct id_map {
        struct { uint64_t lo, n; } r[ID_MAP_MAX];
        size_t len;
};

static int id_map_read(const char *path, struct id_map *m) {
        char line[128];
        FILE *f = fopen(path, "re");

        m->len = 0;
        if (!f)
                return -errno;
        while (m->len < ID_MAP_MAX && fgets(line, sizeof(line), f)) {
                unsigned long long inner, outer, n;
                if (sscanf(line, "%llu %llu %llu", &inner, &outer, &n) == 3 && n > 0)
                        m->r[m->len++] = (typeof(m->r[0])) { inner, n };
        }
        fclose(f);
        return 0;
}

static bool id_map_full(const struct id_map *m) {
        return m->len == 1 && m->r[0].lo == 0 && m->r[0].n >= UINT32_MAX;
}

/* Whether [base, base+size) lies inside one line of the map. (Lines never
 * overlap; a range that spans two adjacent lines is refused, which only
 * costs a candidate.) */
static bool id_map_covers(const struct id_map *m, uint64_t base, uint64_t size) {
        for (size_t i = 0; i < m->len; i++)
                if (base >= m->r[i].lo && base + size <= m->r[i].lo + m->r[i].n)
                        return true;
        return false;
}

static void id_map_format(const struct id_map *m, char *out, size_t size) {
        size_t l = 0;

        out[0] = 0;
        for (size_t i = 0; i < m->len && l < size; i++)
                l += (size_t) snprintf(out + l, size - l, "%s%llu-%llu", i ? "," : "",
                                       (unsigned long long) m->r[i].lo,
                                       (unsigned long long) (m->r[i].lo + m->r[i].n - 1));
}

bool userns_maps_everything(void) {
        struct id_map m;

        return id_map_read("/proc/self/uid_map", &m) == 0 && id_map_full(&m);
}

struct own_maps {
        struct id_map uid, gid;
        bool full;              /* both are the identity map of the whole space */
};

static int own_maps_read(struct own_maps *m, struct nb_error *err) {
        int r = id_map_read("/proc/self/uid_map", &m->uid);
        if (r < 0)
                return nb_error_set(err, r, "read /proc/self/uid_map");
        r = id_map_read("/proc/self/gid_map", &m->gid);
        if (r < 0)
                return nb_error_set(err, r, "read /proc/self/gid_map");
        m->full = id_map_full(&m->uid) && id_map_full(&m->gid);
        return 0;
}

static bool own_maps_cover(const struct own_maps *m, uid_t base, uid_t size) {
        return m->full || (id_map_covers(&m->uid, base, size) && id_map_covers(&m->gid, base, size));
}

static int own_maps_refuse(const struct own_maps *m, const char *what, uid_t base, uid_t size, struct nb_error *err) {
        char u[512], g[512];

        id_map_format(&m->uid, u, sizeof(u));
        id_map_format(&m->gid, g, sizeof(g));
        return nb_error_set(err, 0, "%s %u:%u is not inside the IDs mapped into nixbox's own user namespace (uid_map %s, gid_map %s)",
                            what, base, size, u, g);
}

/* Whether [base, base+size) is known to the host's user database: any id
 * in /etc/passwd or /etc/group, any /etc/subuid or /etc/subgid range; and,
 * when nsswitch.conf names a remote source (LDAP, sssd...), nspawn's check
 * of the first and last id through NSS. The common case loads no NSS
 * module. */
static bool uid_range_in_user_db(uid_t base, uid_t size, char *what, size_t what_size) {
        static const struct { const char *path; bool subid; } files[] = {
                { "/etc/passwd", false }, { "/etc/group", false }, { "/etc/subuid", true }, { "/etc/subgid", true },
        };

        for (size_t i = 0; i < ELEMENTSOF(files); i++)
                if (file_meets_range(files[i].path, files[i].subid, base, size, what, what_size))
                        return true;
        if (nss_has_other_sources()) {
                uid_t ids[2] = { base, base + (size > 1 ? size - 2 : 0) };   /* nspawn: base and base+0xFFFE */
                for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                        struct passwd *pw = getpwuid(ids[i]);
                        struct group *gr = getgrgid(ids[i]);
                        if (pw || gr) {
                                snprintf(what, what_size, "%s %s (id %u) of the user database (NSS)",
                                         pw ? "user" : "group", pw ? pw->pw_name : gr->gr_name, ids[i]);
                                return true;
                        }
                }
        }
        return false;
}

static int hold_lock(struct uid_range *r, int fd, const char *path) {
        void *p = realloc(r->locks, (r->n_locks + 1) * sizeof(*r->locks));

        if (!p) {
                unlink(path);
                close(fd);
                return -ENOMEM;
        }
        r->locks = p;
        r->locks[r->n_locks].fd = fd;
        snprintf(r->locks[r->n_locks].path, sizeof(r->locks[r->n_locks].path), "%s", path);
        r->n_locks++;
        return 0;
}

/* Takes nixbox's lock for [base, base+size): under a lock on the
 * directory, every held lock file there (named by its base, holding "SIZE
 * MACHINE") is checked for overlap, stale ones are removed, then ours is
 * made. -EBUSY with the holder's machine name in holder when it overlaps a
 * running container. */
static int lock_nixbox_range(uid_t base, uid_t size, const char *machine, struct uid_range *r, char *holder,
                             size_t holder_size) {
        _cleanup_close_ int dfd = -1;
        char path[HOST_CONFIG_PATH_MAX + 16], buf[320];
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd, ret = 0;

        if (mkdir(UID_LOCK_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        dfd = open(UID_LOCK_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || flock(dfd, LOCK_EX) < 0)
                return -errno;
        {
                int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
                d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
                if (!d) {
                        ret = -errno;
                        if (dup_fd >= 0)
                                close(dup_fd);
                        return ret;
                }
        }
        while (ret == 0 && (de = readdir(d))) {
                unsigned long b, sz = CONTAINER_UID_RANGE;
                char *end, name[256] = "";
                ssize_t n;

                if (de->d_name[0] == '.')
                        continue;
                errno = 0;
                b = strtoul(de->d_name, &end, 10);
                if (errno || *end || b > UINT32_MAX)
                        continue;
                _cleanup_close_ int lfd = openat(dirfd(d), de->d_name, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
                if (lfd < 0)
                        continue;
                if (flock(lfd, LOCK_EX | LOCK_NB) == 0) {
                        unlinkat(dirfd(d), de->d_name, 0);      /* its nixbox is gone */
                        continue;
                }
                /* Older nixbox versions left it empty: a 64K range. */
                n = pread(lfd, buf, sizeof(buf) - 1, 0);
                buf[n > 0 ? n : 0] = 0;
                if (sscanf(buf, "%lu %255s", &sz, name) < 1 || sz == 0 || sz > UINT32_MAX)
                        sz = CONTAINER_UID_RANGE;
                if (uid_ranges_overlap(base, size, (uid_t) b, (uid_t) sz)) {
                        snprintf(holder, holder_size, "%s (%lu..%lu)", name[0] ? name : "another container", b, b + sz - 1);
                        ret = -EBUSY;
                }
        }
        if (ret < 0)
                return ret;
        snprintf(path, sizeof(path), "%s/%u", UID_LOCK_DIR, base);
        fd = lock_file_nb(path);
        if (fd < 0)
                return fd;
        snprintf(buf, sizeof(buf), "%u %s\n", size, machine);
        if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, strlen(buf), 0) != (ssize_t) strlen(buf)) {
                ret = -errno;
                unlink(path);
                close(fd);
                return ret;
        }
        return hold_lock(r, fd, path);
}

/* Takes systemd-nspawn's lock file for every 64K block of [base,
 * base+size) that nspawn could pick: the file it makes for a picked base,
 * /run/systemd/nspawn-uid/BASE, flock'ed. -EBUSY with the path in holder
 * when one is held. Ranges of more than NSPAWN_LOCKS_MAX blocks are only
 * checked, not held (that many fds would be too many). */
#define NSPAWN_LOCKS_MAX 64
static int lock_nspawn_blocks(uid_t base, uid_t size, struct uid_range *r, char *holder, size_t holder_size) {
        uint64_t first = base & 0xFFFF0000U, end = (uint64_t) base + size;
        bool hold = (end - first + 0xFFFF) / CONTAINER_UID_RANGE <= NSPAWN_LOCKS_MAX;
        bool made_dir = false;

        if (!hold)
                log_warn("UID range %u..%llu spans more than %d 64K blocks: it is checked against systemd-nspawn's ranges now, "
                         "but a later systemd-nspawn may still pick part of it", base, (unsigned long long) end - 1, NSPAWN_LOCKS_MAX);
        for (uint64_t b = first; b < end; b += CONTAINER_UID_RANGE) {
                char path[64];
                int fd;

                if (b < CONTAINER_UID_BASE_MIN || b > CONTAINER_UID_BASE_MAX)
                        continue;                       /* nspawn never picks it */
                if (!made_dir) {
                        (void) mkdir("/run/systemd", 0755);
                        (void) mkdir(NSPAWN_UID_LOCK_DIR, 0755);
                        made_dir = true;
                }
                snprintf(path, sizeof(path), NSPAWN_UID_LOCK_DIR "/%llu", (unsigned long long) b);
                fd = lock_file_nb(path);
                if (fd == -EBUSY) {
                        snprintf(holder, holder_size, "systemd-nspawn (lock %s)", path);
                        return -EBUSY;
                }
                if (fd < 0)
                        return fd;
                if (!hold) {
                        unlink(path);
                        close(fd);
                        continue;
                }
                fd = hold_lock(r, fd, path);
                if (fd < 0)
                        return fd;
        }
        return 0;
}

/* Locks [base, base+size) against every running nixbox and nspawn
 * container; on -EBUSY nothing is held and holder names who has it. */
static int lock_range(uid_t base, uid_t size, const char *machine, struct uid_range *r, char *holder, size_t holder_size) {
        int ret = lock_nixbox_range(base, size, machine, r, holder, holder_size);

        if (ret == 0)
                ret = lock_nspawn_blocks(base, size, r, holder, holder_size);
        if (ret < 0)
                uid_range_release(r);
        return ret;
}

/* Tries one candidate: in the window, 64K-aligned, inside our maps, not
 * locked by another container (nixbox's or nspawn's), not in the user
 * database. 1 when taken. */
static int try_candidate(uid_t candidate, const char *machine, const struct own_maps *maps, struct uid_range *r,
                         struct nb_error *err) {
        char holder[320] = "", what[512];
        int ret;

        if (candidate < CONTAINER_UID_BASE_MIN || candidate > CONTAINER_UID_BASE_MAX || (candidate & 0xFFFF) != 0 ||
            !own_maps_cover(maps, candidate, CONTAINER_UID_RANGE))
                return 0;
        ret = lock_range(candidate, CONTAINER_UID_RANGE, machine, r, holder, sizeof(holder));
        if (ret == -EBUSY)
                return 0;
        if (ret < 0)
                return nb_error_set(err, ret, "lock UID range %u..%u", candidate, candidate + 0xFFFF);
        if (uid_range_in_user_db(candidate, CONTAINER_UID_RANGE, what, sizeof(what))) {
                log_debug("UID range %u: overlaps %s", candidate, what);
                uid_range_release(r);
                return 0;
        }
        r->enabled = true;
        r->shift = candidate;
        r->size = CONTAINER_UID_RANGE;
        return 1;
}

/* Nested: random candidates would almost never land inside a small map,
 * so walk the aligned candidates that do (as LXD discards unmapped ones),
 * starting at the machine name's hash so that machines spread out.
 * Bounded: a map line holds at most 65536 aligned candidates, and at most
 * 65536 are tried in all. */
static int pick_nested(const struct options *o, const struct own_maps *maps, struct uid_range *r, struct nb_error *err) {
        uint64_t cand[64], total = 0, start;
        size_t ncand = 0;
        int k;

        /* Count the fitting candidates (over the uid map: a candidate must
         * also fit the gid map, checked per try). */
        for (size_t i = 0; i < maps->uid.len; i++) {
                uint64_t lo = (maps->uid.r[i].lo + 0xFFFF) & ~(uint64_t) 0xFFFF;
                uint64_t end = maps->uid.r[i].lo + maps->uid.r[i].n;
                if (lo < CONTAINER_UID_BASE_MIN)
                        lo = CONTAINER_UID_BASE_MIN;
                if (end > (uint64_t) CONTAINER_UID_BASE_MAX + CONTAINER_UID_RANGE)
                        end = (uint64_t) CONTAINER_UID_BASE_MAX + CONTAINER_UID_RANGE;
                if (lo + CONTAINER_UID_RANGE > end)
                        continue;
                if (ncand >= ELEMENTSOF(cand))
                        break;          /* 32 usable lines are plenty */
                cand[ncand++] = lo;
                cand[ncand++] = (end - lo) / CONTAINER_UID_RANGE;
                total += (end - lo) / CONTAINER_UID_RANGE;
        }
        if (total == 0) {
                char u[512], g[512];
                id_map_format(&maps->uid, u, sizeof(u));
                id_map_format(&maps->gid, g, sizeof(g));
                return nb_error_set(err, 0, "pick a UID range for machine %s: nixbox runs in a user namespace that maps only uid_map %s, gid_map %s, "
                                    "and no 65536-ID range starting at a multiple of 65536 at or above %u fits inside; map more IDs into it, "
                                    "or use --private-users=BASE:SIZE (or identity) with IDs inside the map",
                                    o->machine, u, g, CONTAINER_UID_BASE_MIN);
        }
        start = uid_candidate_from_name(o->machine) / CONTAINER_UID_RANGE % total;
        for (uint64_t t = 0; t < total && t < 65536; t++) {
                uint64_t idx = (start + t) % total;
                for (size_t i = 0; i < ncand; i += 2) {
                        if (idx >= cand[i + 1]) {
                                idx -= cand[i + 1];
                                continue;
                        }
                        k = try_candidate((uid_t) (cand[i] + idx * CONTAINER_UID_RANGE), o->machine, maps, r, err);
                        if (k != 0)
                                return k < 0 ? k : 0;
                        break;
                }
        }
        return nb_error_set(err, EBUSY, "find a free UID range for machine %s inside this user namespace's map", o->machine);
}

int uid_range_acquire(const struct options *o, int root_fd, struct uid_range *r, struct nb_error *err) {
        char holder[320] = "", what[512];
        struct own_maps maps;
        struct stat st;
        int k;

        *r = (struct uid_range) {0};
        if (fstat(root_fd, &st) < 0)
                return nb_error_set(err, errno, "stat root directory %s", o->root);
        if (o->private_users != PRIVATE_USERS_NO && (k = own_maps_read(&maps, err)) < 0)
                return k;

        switch (o->private_users) {
        case PRIVATE_USERS_NO:
                return 0;
        case PRIVATE_USERS_IDENTITY:
                /* The host's own ids: nothing to lock. */
                r->enabled = true;
                r->shift = 0;
                r->size = CONTAINER_UID_RANGE;
                if (!own_maps_cover(&maps, r->shift, r->size))
                        return own_maps_refuse(&maps, "--private-users=identity: the range", r->shift, r->size, err);
                return 0;
        case PRIVATE_USERS_FIXED:
        case PRIVATE_USERS_YES:
                if (o->private_users == PRIVATE_USERS_FIXED) {
                        r->shift = o->uid_shift;
                        r->size = o->uid_range ? o->uid_range : CONTAINER_UID_RANGE;
                        if (!own_maps_cover(&maps, r->shift, r->size))
                                return own_maps_refuse(&maps, "the fixed UID range", r->shift, r->size, err);
                } else {
                        /* The range is read from the owner of the root directory. */
                        if ((st.st_uid & 0xFFFF) != 0 || (st.st_gid & 0xFFFF0000U) != (st.st_uid & 0xFFFF0000U))
                                return nb_error_set(err, 0, "root directory %s is owned by %u:%u, which is not the start of a 64K range; use --private-users=pick",
                                                    o->root, st.st_uid, st.st_gid);
                        r->shift = st.st_uid;
                        r->size = CONTAINER_UID_RANGE;
                        if (!own_maps_cover(&maps, r->shift, r->size))
                                return own_maps_refuse(&maps, "the UID range of the root directory's owner", r->shift, r->size, err);
                }
                /* A range given by hand is locked too, so that no picked
                 * range (nixbox's or nspawn's) lands on it while it runs. */
                k = lock_range(r->shift, r->size, o->machine, r, holder, sizeof(holder));
                if (k == -EBUSY)
                        return nb_error_set(err, 0, "UID range %u..%llu of machine %s overlaps the range of running container %s",
                                            r->shift, (unsigned long long) r->shift + r->size - 1, o->machine, holder);
                if (k < 0)
                        return nb_error_set(err, k, "lock UID range %u..%llu", r->shift, (unsigned long long) r->shift + r->size - 1);
                if (uid_range_in_user_db(r->shift, r->size, what, sizeof(what)))
                        log_warn("UID range %u..%llu of machine %s overlaps %s", r->shift,
                                 (unsigned long long) r->shift + r->size - 1, o->machine, what);
                r->enabled = true;
                return 0;
        case PRIVATE_USERS_PICK:
                break;
        }

        /* nspawn's order: the range the tree is already shifted to, then the
         * hash of the machine name, then random candidates; nested, the
         * candidates inside our own maps. */
        uid_t candidate = st.st_uid & 0xFFFF0000U;
        for (int tries = 0; tries < 100; tries++) {
                k = try_candidate(candidate, o->machine, &maps, r, err);
                if (k != 0)
                        return k < 0 ? k : 0;
                if (tries == 1 && !maps.full)
                        return pick_nested(o, &maps, r, err);
                if (tries == 0)
                        candidate = uid_candidate_from_name(o->machine);
                else {
                        uint32_t v;
                        if (getrandom(&v, sizeof(v), 0) != sizeof(v))
                                return nb_error_set(err, errno, "get random bytes for a UID range");
                        candidate = uid_candidate_fold(v);
                }
        }
        return nb_error_set(err, EBUSY, "find a free UID range for machine %s", o->machine);
}

void uid_range_release(struct uid_range *r) {
        /* Unlink while still holding each lock, so that nobody else holds
         * a lock on an inode we remove. */
        for (size_t i = 0; i < r->n_locks; i++) {
                unlink(r->locks[i].path);
                close(r->locks[i].fd);
        }
        free(r->locks);
        r->locks = NULL;
        r->n_locks = 0;
}

int userns_write_maps(pid_t pid, const struct uid_range *r, struct nb_error *err) {
        char path[64], map[64];
        int ret;

        snprintf(map, sizeof(map), "0 %u %u\n", r->shift, r->size);
        snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
        ret = write_string_file(path, map);
        if (ret < 0)
                return nb_error_set(err, ret, "write uid map \"0 %u %u\" to %s", r->shift, r->size, path);
        snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
        ret = write_string_file(path, map);
        if (ret < 0)
                return nb_error_set(err, ret, "write gid map \"0 %u %u\" to %s", r->shift, r->size, path);
        return 0;
}

/* A set of (dev, ino) pairs of hard-linked inodes already shifted (a
 * search tree: a Nix store is mostly hard links). The shift itself is
 * idempotent (it re-bases the range), so this only saves work. */
struct inode_key {
        dev_t dev;
        ino_t ino;
};

static int inode_cmp(const void *a, const void *b) {
        const struct inode_key *x = a, *y = b;

        if (x->dev != y->dev)
                return x->dev < y->dev ? -1 : 1;
        if (x->ino != y->ino)
                return x->ino < y->ino ? -1 : 1;
        return 0;
}

struct inode_set {
        void *root;
};

static bool inode_set_add(struct inode_set *s, dev_t dev, ino_t ino) {
        struct inode_key *k = malloc(sizeof(*k)), **found;

        if (!k)
                return true;   /* out of memory: shifting is idempotent, so a repeat is only slower */
        *k = (struct inode_key) { dev, ino };
        found = tsearch(k, &s->root, inode_cmp);
        if (!found) {
                free(k);
                return true;
        }
        if (*found != k) {
                free(k);
                return false;
        }
        return true;
}

static void inode_set_free(struct inode_set *s) {
        tdestroy(s->root, free);
        s->root = NULL;
}

/* Shifts the inode that fd (O_PATH, opened without following a symlink)
 * names. Everything goes through the fd, never through a name again: an
 * entry swapped after it was opened (for a symlink to a host file, say)
 * cannot redirect the change out of the tree. */
static int shift_fd(int fd, const struct stat *st, uid_t shift) {
        uid_t uid = shift | (st->st_uid & 0xFFFF);
        gid_t gid = shift | (st->st_gid & 0xFFFF);
        char p[32];

        if (st->st_uid == uid && st->st_gid == gid)
                return 0;
        if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
                return -errno;
        /* chown clears setuid/setgid; put the mode bits back, through the fd
         * (the /proc link is the inode fd pins, not a path) and only on the
         * types that have them: never a symlink. File capabilities are not
         * restored (their root id would need rewriting). */
        if ((S_ISREG(st->st_mode) || S_ISDIR(st->st_mode)) && (st->st_mode & (S_ISUID | S_ISGID))) {
                snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
                if (chmod(p, st->st_mode & 07777) < 0)
                        return -errno;
        }
        return 0;
}

/* dir_fd: an O_PATH fd of a directory of the tree (any name of it may be
 * swapped meanwhile: only fds are used). depth bounds the recursion and so
 * the fds held (two per level). */
static int chown_dir(int dir_fd, dev_t dev, uid_t shift, struct inode_set *seen, unsigned depth, char *path,
                     size_t plen, size_t pathsize, struct nb_error *err) {
        _cleanup_close_ int dfd = -1;
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (depth > USERNS_CHOWN_MAX_DEPTH)
                return nb_error_set(err, ELOOP, "change owners below %s: more than %d directories deep", path,
                                    USERNS_CHOWN_MAX_DEPTH);
        /* "." of the fd is the same directory, whatever its name is now. */
        dfd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return nb_error_set(err, errno, "open directory %s", path);
        d = fdopendir(dfd);
        if (!d)
                return nb_error_set(err, errno, "open directory %s", path);
        dfd = -1;
        for (;;) {
                _cleanup_close_ int fd = -1;
                struct stat st;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                r = nb_error_set(err, errno, "read directory %s", path);
                        break;
                }

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                snprintf(path + plen, pathsize - plen, "/%s", de->d_name);
                /* Pin the inode first, then look at what was pinned. */
                fd = openat(dirfd(d), de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT)
                        continue;               /* gone meanwhile: nothing to shift */
                if (fd < 0 || fstat(fd, &st) < 0) {
                        r = nb_error_set(err, errno, "open %s", path);
                        break;
                }
                if (st.st_dev != dev)
                        continue;               /* another file system mounted inside: not ours */
                if (S_ISDIR(st.st_mode)) {
                        r = chown_dir(fd, dev, shift, seen, depth + 1, path, strlen(path), pathsize, err);
                        if (r < 0)
                                break;
                        snprintf(path + plen, pathsize - plen, "/%s", de->d_name);
                } else if (st.st_nlink > 1 && !inode_set_add(seen, st.st_dev, st.st_ino))
                        continue;               /* a hard link we already shifted */
                r = shift_fd(fd, &st, shift);
                if (r < 0) {
                        r = nb_error_set(err, r, "change owner of %s", path);
                        break;
                }
        }
        closedir(d);
        path[plen] = 0;
        return r;
}

int userns_chown_tree(int dir_fd, const char *root_name, uid_t shift, struct nb_error *err) {
        struct inode_set seen = {0};
        char path[4096];
        struct stat st;
        int r;

        if (fstat(dir_fd, &st) < 0)
                return nb_error_set(err, errno, "stat %s", root_name);
        if (!S_ISDIR(st.st_mode))
                return nb_error_set(err, ENOTDIR, "change owners below %s", root_name);
        snprintf(path, sizeof(path), "%s", root_name);
        r = chown_dir(dir_fd, st.st_dev, shift, &seen, 0, path, strlen(path), sizeof(path), err);
        inode_set_free(&seen);
        if (r < 0)
                return r;
        r = shift_fd(dir_fd, &st, shift);
        if (r < 0)
                return nb_error_set(err, r, "change owner of %s", root_name);
        return 0;
}
