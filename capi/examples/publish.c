/* Publishes a working copy (or a repository URL) to S3 through libsvn2s3,
 * printing each progress event and the report, as a deploy daemon would.
 *
 *     cc publish.c $(pkg-config --cflags --libs svn2s3) -o publish
 *     publish TREE BUCKET ENDPOINT [CANCEL_AFTER]
 *
 * ENDPOINT is an S3-compatible endpoint ("" for AWS). With CANCEL_AFTER, the
 * progress callback cancels the publish after that many events. Credentials
 * come from the AWS environment, as for the svn2s3 command. The exit status
 * is svn2s3's. */
#include <stdio.h>
#include <stdlib.h>

#include <svn2s3.h>

struct progress {
    int seen;
    int cancel_after;
};

static int on_progress(void *userdata, const char *event_json)
{
    struct progress *progress = userdata;
    printf("progress %s\n", event_json);
    fflush(stdout);
    progress->seen++;
    return progress->cancel_after > 0 && progress->seen >= progress->cancel_after;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s TREE BUCKET ENDPOINT [CANCEL_AFTER]\n", argv[0]);
        return 2;
    }
    struct progress progress = { 0, argc > 4 ? atoi(argv[4]) : 0 };
    svn2s3_settings *settings = svn2s3_settings_new(argv[1], argv[2]);
    if (settings == NULL) {
        fprintf(stderr, "publish: the tree or the bucket is not UTF-8\n");
        return 2;
    }
    svn2s3_error *err = NULL;
    svn2s3_report *report = NULL;
    int status = 0;
    if (argv[3][0] != '\0')
        status = svn2s3_settings_set(settings, "endpoint", argv[3], &err);
    if (status == 0)
        status = svn2s3_publish(settings, on_progress, &progress, &report, &err);
    if (report != NULL) {
        printf("%s\n", svn2s3_report_json(report));
        svn2s3_report_free(report);
    }
    if (err != NULL) {
        fprintf(stderr, "publish (libsvn2s3 %s): %s (status %d)\n", svn2s3_version(),
                svn2s3_error_message(err), svn2s3_error_status(err));
        svn2s3_error_free(err);
    }
    svn2s3_settings_free(settings);
    return status;
}
