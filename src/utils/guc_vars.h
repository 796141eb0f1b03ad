// Typed copies of every configuration parameter, one plain field each, so hot
// paths read settings without a name lookup. The fields are written only by
// the GUC machinery (utils/guc.cc) whenever a parameter's value changes.
#pragma once

#include <string>

namespace tusk::guc {

// Field names are the lower-cased parameter names. Integer fields hold the
// value in the parameter's base unit (noted after the field); enum parameters
// hold their canonical name, except the message-level ones, which hold an
// ErrLevel so comparisons against a message's level are cheap.
struct Vars {
  std::string application_name{};
  std::string archive_command{};
  std::string archive_mode{};
  int archive_timeout{};  // s
  bool array_nulls{};
  int authentication_timeout{};  // s
  bool autovacuum{};
  double autovacuum_analyze_scale_factor{};
  int autovacuum_analyze_threshold{};
  int autovacuum_freeze_max_age{};
  int autovacuum_max_workers{};
  int autovacuum_naptime{};  // s
  double autovacuum_vacuum_cost_delay{};  // ms
  int autovacuum_vacuum_cost_limit{};
  double autovacuum_vacuum_insert_scale_factor{};
  int autovacuum_vacuum_insert_threshold{};  // -1: no insert-driven vacuums
  double autovacuum_vacuum_scale_factor{};
  int autovacuum_vacuum_threshold{};
  std::string backslash_quote{};
  int bgwriter_delay{};  // ms
  int bgwriter_lru_maxpages{};
  double bgwriter_lru_multiplier{};
  int block_size{};
  std::string bytea_output{};
  bool check_function_bodies{};
  double checkpoint_completion_target{};
  int checkpoint_timeout{};  // s
  int checkpoint_warning{};  // s
  int client_connection_check_interval{};  // ms
  std::string client_encoding{};
  int client_min_messages{};  // an ErrLevel
  std::string cluster_name{};
  int commit_delay{};
  std::string config_file{};
  double cpu_index_tuple_cost{};
  double cpu_operator_cost{};
  double cpu_tuple_cost{};
  bool data_checksums{};
  std::string data_directory{};
  std::string datestyle{};
  bool db_user_namespace{};
  int deadlock_timeout{};  // ms
  bool debug_print_parse{};
  int default_statistics_target{};
  std::string default_tablespace{};
  std::string default_text_search_config{};
  bool default_transaction_deferrable{};
  std::string default_transaction_isolation{};
  bool default_transaction_read_only{};
  std::string dynamic_shared_memory_type{};
  int effective_cache_size{};  // 8kB
  bool enable_bitmapscan{};
  bool enable_hashjoin{};
  bool enable_indexscan{};
  bool enable_mergejoin{};
  bool enable_nestloop{};
  bool enable_seqscan{};
  bool enable_sort{};
  bool escape_string_warning{};
  std::string event_source{};
  std::string external_pid_file{};
  int extra_float_digits{};
  int from_collapse_limit{};
  bool fsync{};
  bool full_page_writes{};
  bool geqo{};
  int gin_fuzzy_search_limit{};
  std::string hba_file{};
  bool hot_standby{};
  bool hot_standby_feedback{};
  std::string huge_pages{};
  std::string ident_file{};
  int idle_in_transaction_session_timeout{};  // ms
  int idle_session_timeout{};  // ms
  bool in_hot_standby{};
  bool integer_datetimes{};
  std::string intervalstyle{};
  bool is_superuser{};
  bool jit{};
  int join_collapse_limit{};
  bool krb_caseins_users{};
  std::string krb_server_keyfile{};
  std::string lc_collate{};
  std::string lc_ctype{};
  std::string lc_messages{};
  std::string lc_monetary{};
  std::string lc_numeric{};
  std::string lc_time{};
  std::string listen_addresses{};
  bool lo_compat_privileges{};
  int lock_timeout{};  // ms
  int log_autovacuum_min_duration{};  // ms
  bool log_checkpoints{};
  bool log_connections{};
  std::string log_destination{};
  std::string log_directory{};
  bool log_disconnections{};
  bool log_duration{};
  std::string log_error_verbosity{};
  int log_file_mode{};
  std::string log_filename{};
  bool log_hostname{};
  std::string log_line_prefix{};
  bool log_lock_waits{};
  int log_min_duration_statement{};  // ms
  int log_min_error_statement{};  // an ErrLevel
  int log_min_messages{};  // an ErrLevel
  int log_parameter_max_length{};  // B
  bool log_replication_commands{};
  int log_rotation_age{};  // min
  int log_rotation_size{};  // kB
  std::string log_statement{};
  double log_statement_sample_rate{};
  int log_temp_files{};  // kB
  std::string log_timezone{};
  bool log_truncate_on_rotation{};
  bool logging_collector{};
  int maintenance_work_mem{};  // kB
  int max_connections{};
  int max_files_per_process{};
  int max_identifier_length{};
  int max_locks_per_transaction{};
  int max_parallel_workers{};
  int max_parallel_workers_per_gather{};
  int min_parallel_table_scan_size{};
  int min_parallel_index_scan_size{};
  bool parallel_leader_participation{};
  double parallel_setup_cost{};
  double parallel_tuple_cost{};
  int max_prepared_transactions{};
  int max_replication_slots{};
  int max_stack_depth{};  // kB
  int max_standby_archive_delay{};  // ms
  int max_standby_streaming_delay{};  // ms
  int max_wal_senders{};
  int max_wal_size{};  // MB
  int max_worker_processes{};
  int min_wal_size{};  // MB
  std::string password_encryption{};
  int port{};
  std::string primary_conninfo{};
  std::string primary_slot_name{};
  std::string promote_trigger_file{};
  bool quote_all_identifiers{};
  double random_page_cost{};
  std::string recovery_target_timeline{};
  bool restart_after_crash{};
  std::string restore_command{};
  std::string role{};  // SET ROLE; "none" for the session user
  bool row_security{};
  std::string search_path{};
  double seq_page_cost{};
  std::string server_encoding{};
  std::string server_version{};
  int server_version_num{};
  std::string session_authorization{};
  int shared_buffers{};  // 8kB
  std::string shared_memory_type{};
  std::string shared_preload_libraries{};
  bool ssl{};
  std::string ssl_ca_file{};
  std::string ssl_cert_file{};
  std::string ssl_key_file{};
  bool standard_conforming_strings{};
  int statement_timeout{};  // ms
  std::string stats_fetch_consistency{};
  int superuser_reserved_connections{};
  bool synchronize_seqscans{};
  std::string synchronous_commit{};
  std::string synchronous_standby_names{};
  std::string syslog_facility{};
  std::string syslog_ident{};
  int tcp_keepalives_count{};
  int tcp_keepalives_idle{};  // s
  int tcp_keepalives_interval{};  // s
  int temp_buffers{};  // 8kB
  std::string temp_tablespaces{};
  std::string timezone{};
  std::string timezone_abbreviations{};
  bool track_activities{};
  bool track_counts{};
  std::string track_functions{};
  bool track_io_timing{};
  std::string transaction_isolation{};
  bool transaction_read_only{};
  bool transform_null_equals{};
  std::string unix_socket_directories{};
  std::string unix_socket_group{};
  int unix_socket_permissions{};
  bool update_process_title{};
  double vacuum_cost_delay{};  // ms
  int vacuum_cost_limit{};
  int vacuum_freeze_min_age{};
  int wal_buffers{};  // 8kB
  std::string wal_compression{};
  int wal_keep_size{};  // MB
  std::string wal_level{};
  bool wal_log_hints{};
  int wal_receiver_status_interval{};  // s
  int wal_retrieve_retry_interval{};  // ms
  int wal_receiver_timeout{};  // ms
  int wal_segment_size{};  // B
  int wal_sender_timeout{};  // ms
  std::string wal_sync_method{};
  int wal_writer_delay{};  // ms
  int work_mem{};  // kB
  std::string xmloption{};
};

}  // namespace tusk::guc
