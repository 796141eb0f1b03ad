// libpq, loaded at run time (dlopen of libpq.so.5) by the processes that act
// as clients of another server: the WAL receiver and `tusk basebackup`. As
// PostgreSQL loads libpqwalreceiver, so the postmaster and the processes it
// forks never map libpq and the libraries it pulls in.
#pragma once

#include <libpq-fe.h>

#include <string>

namespace tusk {

struct Libpq {
  decltype(&PQconnectdb) connectdb;
  decltype(&PQstatus) status;
  decltype(&PQerrorMessage) error_message;
  decltype(&PQfinish) finish;
  decltype(&PQexec) exec;
  decltype(&PQsendQuery) send_query;
  decltype(&PQgetResult) get_result;
  decltype(&PQresultStatus) result_status;
  decltype(&PQresultErrorMessage) result_error_message;
  decltype(&PQntuples) ntuples;
  decltype(&PQnfields) nfields;
  decltype(&PQgetvalue) getvalue;
  decltype(&PQgetisnull) getisnull;
  decltype(&PQclear) clear;
  decltype(&PQgetCopyData) get_copy_data;
  decltype(&PQputCopyData) put_copy_data;
  decltype(&PQputCopyEnd) put_copy_end;
  decltype(&PQflush) flush;
  decltype(&PQsocket) socket;
  decltype(&PQconsumeInput) consume_input;
  decltype(&PQfreemem) freemem;

  // Resolves every function; false with *error when the library or one of them is missing.
  bool Load(std::string* error);
};

// PQerrorMessage and friends end in a newline: without it.
std::string TrimMessage(std::string s);

}  // namespace tusk
