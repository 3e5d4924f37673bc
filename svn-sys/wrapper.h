/* The one list of C headers that svn-sys binds. bindgen reads only this file;
 * build.rs narrows what it emits to the items svn2s3 calls. */
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_hash.h>
#include <apr_tables.h>

#include <svn_client.h>
#include <svn_cmdline.h>
#include <svn_config.h>
#include <svn_dirent_uri.h>
#include <svn_dso.h>
#include <svn_error.h>
#include <svn_error_codes.h>
#include <svn_io.h>
#include <svn_path.h>
#include <svn_props.h>
#include <svn_string.h>
#include <svn_types.h>
#include <svn_version.h>
