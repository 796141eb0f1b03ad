// Text of the configuration files `tusk initdb` writes: a commented sample
// postgresql.conf, the ALTER SYSTEM file, pg_hba.conf with the chosen
// methods, and an empty pg_ident.conf.
#include <cstdio>

#include "ctl/initdb.h"

namespace tusk::ctl {
namespace {

// One pg_hba.conf rule with PostgreSQL's column widths, so the file lines up
// with the header and with what users know from PostgreSQL.
std::string HbaLine(const char* type, const char* db, const char* user, const char* addr, const std::string& m) {
  char buf[256];
  snprintf(buf, sizeof buf, "%-8s%-16s%-16s%-24s%s\n", type, db, user, addr, m.c_str());
  return buf;
}

}  // namespace

bool MethodNeedsPassword(const std::string& method) {
  return method == "md5" || method == "password" || method == "scram-sha-256";
}

std::string PostgresqlConfText(const std::string& timezone) {
  std::string text = R"(# Tusk server configuration
# ==========================
#
# One setting per line:   name = value
# The "=" is optional; "#" starts a comment. Every setting below but the time
# zones (initdb set them to this machine's) is commented out and shows its
# built-in default, so it changes nothing until you uncomment it. Strings go in single quotes. Memory sizes take the units
# B, kB, MB, GB, TB; times take us, ms, s, min, h, d.
#
# After editing: settings marked (restart) need `tusk restart`; the others
# take effect on `tusk reload` (SIGHUP). Settings made with ALTER SYSTEM go to
# postgresql.auto.conf, which is read after this file and wins.


#------------------------------------------------------------------------------
# FILE LOCATIONS
#------------------------------------------------------------------------------

#hba_file = 'ConfigDir/pg_hba.conf'	# client authentication rules (restart)
#ident_file = 'ConfigDir/pg_ident.conf'	# user name maps (restart)
#external_pid_file = ''			# extra copy of the PID (restart)


#------------------------------------------------------------------------------
# CONNECTIONS AND AUTHENTICATION
#------------------------------------------------------------------------------

#listen_addresses = 'localhost'		# IP addresses or host names, comma-separated;
					# '*' for all, '' for Unix sockets only (restart)
#port = 5432				# (restart)
#max_connections = 100			# (restart)
#superuser_reserved_connections = 3	# (restart)
#unix_socket_directories = '/tmp'	# comma-separated directories (restart)
#unix_socket_permissions = 0777		# octal (restart)
#authentication_timeout = 1min		# 1s-600s
#password_encryption = scram-sha-256	# scram-sha-256 or md5
#ssl = off


#------------------------------------------------------------------------------
# RESOURCE USAGE
#------------------------------------------------------------------------------

#shared_buffers = 128MB			# at least 128kB (restart)
#work_mem = 4MB				# per sort or hash, per query node
#maintenance_work_mem = 64MB		# VACUUM, CREATE INDEX
#temp_buffers = 8MB			# per session


#------------------------------------------------------------------------------
# WRITE-AHEAD LOG
#------------------------------------------------------------------------------

#fsync = on				# turning this off risks losing data in a crash
#synchronous_commit = on		# on, off, local
#wal_level = replica			# minimal, replica or logical (restart)
#checkpoint_timeout = 5min		# 30s-1d
#max_wal_size = 1GB
#min_wal_size = 80MB


#------------------------------------------------------------------------------
# REPORTING AND LOGGING
#------------------------------------------------------------------------------

#log_destination = 'stderr'
#logging_collector = off		# capture stderr into log files (restart)
#log_directory = 'log'			# relative to the data directory
#log_filename = 'postgresql-%Y-%m-%d_%H%M%S.log'	# strftime() pattern
#log_rotation_age = 1d
#log_rotation_size = 10MB
#log_min_messages = warning		# debug5 .. debug1, info, notice, warning,
					# error, log, fatal, panic
#log_min_duration_statement = -1	# -1 off; 0 logs every statement's duration
#log_connections = off
#log_disconnections = off
#log_line_prefix = '%m [%p] '		# %m time, %p PID, %u user, %d database
#log_statement = 'none'			# none, ddl, mod, all
#log_timezone = 'UTC'


#------------------------------------------------------------------------------
# PROCESS TITLE
#------------------------------------------------------------------------------

#cluster_name = ''			# shown in process titles (restart)
#update_process_title = on


#------------------------------------------------------------------------------
# AUTOVACUUM
#------------------------------------------------------------------------------

#autovacuum = on			# also needs track_counts
#autovacuum_max_workers = 3		# (restart)
#autovacuum_naptime = 1min		# pause between runs
#autovacuum_vacuum_threshold = 50	# minimum changed rows before a VACUUM
#autovacuum_vacuum_insert_threshold = 1000	# minimum inserted rows before a VACUUM;
					# -1 disables insert-driven vacuums
#autovacuum_analyze_threshold = 50	# minimum changed rows before an ANALYZE
#autovacuum_vacuum_scale_factor = 0.2	# fraction of the table added to the threshold
#autovacuum_vacuum_insert_scale_factor = 0.2	# the same for the insert threshold
#autovacuum_analyze_scale_factor = 0.1


#------------------------------------------------------------------------------
# CLIENT CONNECTION DEFAULTS
#------------------------------------------------------------------------------

#search_path = '"$user", public'
#statement_timeout = 0			# in milliseconds; 0 disables
#lock_timeout = 0
#idle_in_transaction_session_timeout = 0
#datestyle = 'iso, mdy'
#timezone = 'UTC'
#client_encoding = UTF8
#default_transaction_isolation = 'read committed'


#------------------------------------------------------------------------------
# CUSTOMIZED OPTIONS
#------------------------------------------------------------------------------

# Add your settings here.
)";
  // initdb writes the zone it found, uncommented, as PostgreSQL's does.
  for (const char* name : {"log_timezone", "timezone"}) {
    const std::string line = std::string("#") + name + " = 'UTC'";
    const size_t at = text.find("\n" + line);
    if (at != std::string::npos) text.replace(at + 1, line.size(), std::string(name) + " = '" + timezone + "'");
  }
  return text;
}

std::string PostgresqlAutoConfText() {
  // Exactly PostgreSQL's header: tools (and ALTER SYSTEM) recognise it.
  return "# Do not edit this file manually!\n"
         "# It will be overwritten by the ALTER SYSTEM command.\n";
}

std::string PgHbaConfText(const std::string& local_method, const std::string& host_method) {
  std::string s =
      "# Tusk client authentication rules\n"
      "# =================================\n"
      "#\n"
      "# Read from top to bottom; the first rule whose connection type, database,\n"
      "# user and client address match decides the authentication method.\n"
      "# A connection that matches no rule is rejected.\n"
      "#\n"
      "# Columns:\n"
      "#   TYPE      local (Unix socket), host (TCP/IP, SSL or not), hostssl, hostnossl\n"
      "#   DATABASE  all, sameuser, samerole, replication, a name, or a comma list\n"
      "#   USER      all, a role name, +group, or a comma list\n"
      "#   ADDRESS   (host types only) CIDR address such as 127.0.0.1/32 or ::1/128\n"
      "#   METHOD    trust, reject, scram-sha-256, md5, password, peer, ...\n"
      "#\n"
      "# \"replication\" in the DATABASE column matches only physical replication\n"
      "# connections, which \"all\" does not cover.\n"
      "#\n"
      "# The server rereads this file on `tusk reload` (SIGHUP).\n"
      "\n"
      "# TYPE  DATABASE        USER            ADDRESS                 METHOD\n"
      "\n"
      "# \"local\" is for Unix domain socket connections only\n";
  s += HbaLine("local", "all", "all", "", local_method);
  s += "# IPv4 local connections:\n";
  s += HbaLine("host", "all", "all", "127.0.0.1/32", host_method);
  s += "# IPv6 local connections:\n";
  s += HbaLine("host", "all", "all", "::1/128", host_method);
  s += "# Allow replication connections from localhost, by a user with the\n"
       "# replication privilege.\n";
  s += HbaLine("local", "replication", "all", "", local_method);
  s += HbaLine("host", "replication", "all", "127.0.0.1/32", host_method);
  s += HbaLine("host", "replication", "all", "::1/128", host_method);
  return s;
}

std::string PgIdentConfText() {
  return "# Tusk user name maps\n"
         "# ====================\n"
         "#\n"
         "# Maps operating-system (or certificate) user names to database role\n"
         "# names for the ident, peer and cert methods, via \"map=NAME\" in\n"
         "# pg_hba.conf. One map entry per line:\n"
         "#\n"
         "#   MAPNAME  SYSTEM-USERNAME  DATABASE-USERNAME\n"
         "#\n"
         "# A SYSTEM-USERNAME starting with \"/\" is a regular expression.\n"
         "# The server rereads this file on `tusk reload` (SIGHUP).\n"
         "\n"
         "# MAPNAME       SYSTEM-USERNAME         PG-USERNAME\n";
}

}  // namespace tusk::ctl
