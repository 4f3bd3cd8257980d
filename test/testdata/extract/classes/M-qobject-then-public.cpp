#include <QDialog>

class Dialog : public QDialog {
  Q_OBJECT
public:
  explicit Dialog(QWidget* parent = nullptr) : QDialog(parent) {}
  int value() const { return v_; }

signals:
  void changed(int);

private slots:
  void onClick() { emit changed(v_); }

private:
  int v_ = 0;
};

int Dialog_helper() { return 1; }
